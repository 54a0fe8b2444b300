using System;
using System.Collections.Generic;
using System.Linq;
using Mono.Cecil;

// Checks that build/Lobbyd.dll uses only types of .NET Standard 2.1 (those netstandard.dll
// 2.1.0.0 exports), besides Newtonsoft.Json and its own. Mono compiles against its full
// framework, so this catches a type Unity or Godot would not have. It checks types, not members.
// Usage: mono ApiSurface.exe path/to/netstandard.dll path/to/Lobbyd.dll
public static class ApiSurface
{
    public static int Main(string[] args)
    {
        var standard = ModuleDefinition.ReadModule(args[0]);
        if (standard.Assembly.Name.Version < new Version(2, 1))
        {
            Console.WriteLine("not .NET Standard 2.1: " + standard.Assembly.Name);
            return 2;
        }
        var known = new HashSet<string>(standard.ExportedTypes.Select(type => type.FullName));
        foreach (var type in standard.Types) known.Add(type.FullName);
        var library = ModuleDefinition.ReadModule(args[1]);
        var outside = new SortedSet<string>();
        var checkedTypes = 0;
        foreach (var reference in library.GetTypeReferences())
        {
            var outer = reference;
            while (outer.DeclaringType != null) outer = outer.DeclaringType;
            var scope = outer.Scope as AssemblyNameReference;
            if (scope == null || scope.Name == "Newtonsoft.Json") continue;
            checkedTypes++;
            if (!known.Contains(outer.FullName)) outside.Add(outer.FullName + " (" + scope.Name + ")");
        }
        foreach (var name in outside) Console.WriteLine("not in .NET Standard 2.1: " + name);
        Console.WriteLine(checkedTypes + " framework types used, " + outside.Count + " outside .NET Standard 2.1");
        return outside.Count == 0 && checkedTypes > 0 ? 0 : 1;
    }
}
