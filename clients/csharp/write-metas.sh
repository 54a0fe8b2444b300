#!/bin/sh
# Writes the Unity .meta file of every file and folder that lacks one (a package installed from a
# git URL is read-only, so Unity cannot make them and would ignore those assets). The guid is
# derived from the path, so running this again changes nothing. Folders ending in ~ (Tests~,
# Samples~), dotfiles and build/ are not imported by Unity and get none.
set -eu
cd "$(dirname "$0")"
find . -mindepth 1 \( -name '*~' -o -name '.*' -o -name build \) -prune -o -print | sed 's|^\./||' |
while read -r path; do
    case "$path" in *.meta) continue ;; esac
    meta="$path.meta"
    [ -e "$meta" ] && continue
    guid=$(printf 'com.lobbyd.client/%s' "$path" | md5sum | cut -c1-32)
    if [ -d "$path" ]; then
        importer="folderAsset: yes
DefaultImporter"
    else
        case "$path" in
            *.cs) importer=MonoImporter ;;
            *.asmdef) importer=AssemblyDefinitionImporter ;;
            *.md|*.json|*.txt) importer=TextScriptImporter ;;
            *) importer=DefaultImporter ;;
        esac
    fi
    {
        printf 'fileFormatVersion: 2\nguid: %s\n%s:\n  externalObjects: {}\n' "$guid" "$importer"
        if [ "$importer" = MonoImporter ]; then
            printf '  serializedVersion: 2\n  defaultReferences: []\n  executionOrder: 0\n  icon: {instanceID: 0}\n'
        fi
        printf '  userData: \n  assetBundleName: \n  assetBundleVariant: \n'
    } > "$meta"
    echo "wrote $meta"
done
