from lobbyd.cli import main

main()
