// Stand-ins for the few UnityEngine types the Unity sample uses, so that `make tests` checks
// the sample compiles against this library. They do nothing; the sample was not run in Unity.
using System;

namespace UnityEngine
{
    public class Object { }
    public class Component : Object { }
    public class Behaviour : Component { }
    public class MonoBehaviour : Behaviour { }

    public static class Debug
    {
        public static void LogException(Exception exception) { Console.Error.WriteLine(exception); }
    }

    public static class GUILayout
    {
        public static void Label(string text) { }
    }

    public static class PlayerPrefs
    {
        public static bool HasKey(string key) { return false; }
        public static string GetString(string key) { return ""; }
        public static void SetString(string key, string value) { }
        public static void Save() { }
    }
}
