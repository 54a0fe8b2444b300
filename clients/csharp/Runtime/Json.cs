using System.IO;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Lobbyd
{
    /// <summary>JSON as lobbyd speaks it. Strings that look like dates stay strings (documents
    /// round-trip unchanged), numbers are longs or doubles.</summary>
    public static class Json
    {
        public static readonly JsonSerializerSettings Settings = new JsonSerializerSettings
        {
            DateParseHandling = DateParseHandling.None,
            FloatParseHandling = FloatParseHandling.Double,
        };

        static readonly JsonSerializer Serializer = JsonSerializer.Create(Settings);

        /// <summary>Parse JSON text into a token (null for empty text).</summary>
        public static JToken Parse(string text)
        {
            if (string.IsNullOrEmpty(text)) return null;
            using (var reader = new JsonTextReader(new StringReader(text)))
            {
                reader.DateParseHandling = DateParseHandling.None;
                reader.FloatParseHandling = FloatParseHandling.Double;
                var token = JToken.ReadFrom(reader);
                return token;
            }
        }

        /// <summary>Parse JSON text that must be an object.</summary>
        public static JObject ParseObject(string text)
        {
            var token = Parse(text) as JObject;
            if (token == null) throw new JsonException("expected a JSON object");
            return token;
        }

        /// <summary>Compact JSON text.</summary>
        public static string Write(JToken token)
        {
            return token.ToString(Formatting.None);
        }

        /// <summary>Compact JSON text of any serializable value.</summary>
        public static string Serialize(object value)
        {
            return JsonConvert.SerializeObject(value, Formatting.None, Settings);
        }

        public static T ToObject<T>(JToken token)
        {
            return token.ToObject<T>(Serializer);
        }

        public static JToken ToToken(object value)
        {
            return value as JToken ?? JToken.FromObject(value, Serializer);
        }

        internal static readonly Encoding Utf8 = new UTF8Encoding(false);
    }
}
