using System.Collections;
using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Dstack.TemporalServer.HttpApi;

/// <summary>
/// Sets request fields from text the way grpc-gateway does for path variables and query parameters: a dotted path of
/// proto or JSON names (<c>execution.run_id</c>, <c>execution.runId</c>), scalars, enums by name or number, bytes as
/// base64 (standard or URL-safe) and well-known types by their JSON form.
/// </summary>
internal static class RequestFields
{
    /// <summary>Resolves a dotted path into its fields; null when a name is not a field (grpc-gateway ignores such query parameters).</summary>
    /// <exception cref="FormatException">A name before the last is not a singular message field.</exception>
    public static IReadOnlyList<FieldDescriptor>? Resolve(MessageDescriptor descriptor, string path)
    {
        var chain = new List<FieldDescriptor>();
        var current = descriptor;
        foreach (var name in path.Split('.'))
        {
            if (current is null)
            {
                throw new FormatException($"invalid path: \"{chain[^1].Name}\" is not a message");
            }

            var field = current.FindFieldByName(name) ?? current.Fields.InDeclarationOrder().FirstOrDefault(f => f.JsonName == name);
            if (field is null)
            {
                return null;
            }

            chain.Add(field);
            current = field.FieldType == FieldType.Message && !field.IsRepeated && !IsWellKnown(field.MessageType) ? field.MessageType : null;
        }

        return chain;
    }

    /// <summary>Gets the path in proto names, so a JSON-named query parameter compares equal to the template's variable.</summary>
    public static string ProtoPath(IReadOnlyList<FieldDescriptor> chain) => string.Join('.', chain.Select(f => f.Name));

    /// <summary>Sets the last field of <paramref name="chain"/>, creating the messages on the way: one value, or each value of a repeated field.</summary>
    /// <exception cref="FormatException">A value does not parse, or a singular field got several.</exception>
    public static void Assign(IMessage root, IReadOnlyList<FieldDescriptor> chain, IReadOnlyList<string> values)
    {
        var target = root;
        foreach (var field in chain.Take(chain.Count - 1))
        {
            var child = (IMessage?)field.Accessor.GetValue(target);
            if (child is null)
            {
                child = field.MessageType.Parser.ParseFrom(ByteString.Empty);
                field.Accessor.SetValue(target, child);
            }

            target = child;
        }

        var leaf = chain[^1];
        if (leaf.IsMap)
        {
            throw new FormatException($"unsupported field type map for \"{leaf.Name}\"");
        }

        if (leaf.IsRepeated)
        {
            var list = (IList)leaf.Accessor.GetValue(target);
            foreach (var value in values)
            {
                list.Add(Parse(leaf, value));
            }
        }
        else if (values.Count == 1)
        {
            leaf.Accessor.SetValue(target, Parse(leaf, values[0]));
        }
        else
        {
            throw new FormatException($"too many values for field \"{leaf.Name}\": {string.Join(", ", values)}");
        }
    }

    private static object Parse(FieldDescriptor field, string text) => field.FieldType switch
    {
        FieldType.String => text,
        FieldType.Bool => ParseBool(text),
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => int.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => long.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
        FieldType.UInt32 or FieldType.Fixed32 => uint.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture),
        FieldType.UInt64 or FieldType.Fixed64 => ulong.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture),
        FieldType.Float => float.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        FieldType.Double => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        FieldType.Enum => ParseEnum(field.EnumType, text),
        FieldType.Bytes => ParseBytes(text),
        FieldType.Message when IsWellKnown(field.MessageType) =>
            JsonParser.Default.Parse(System.Text.Json.JsonSerializer.Serialize(text), field.MessageType),
        _ => throw new FormatException($"unsupported field type {field.FieldType} for \"{field.Name}\""),
    };

    /// <summary>Go's strconv.ParseBool, which grpc-gateway uses.</summary>
    private static bool ParseBool(string text) => text switch
    {
        "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
        "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
        _ => throw new FormatException($"invalid bool \"{text}\""),
    };

    private static int ParseEnum(EnumDescriptor type, string text)
    {
        if (type.FindValueByName(text) is { } named)
        {
            return named.Number;
        }

        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) && type.FindValueByNumber(number) is not null
            ? number
            : throw new FormatException($"\"{text}\" is not a valid value");
    }

    private static ByteString ParseBytes(string text)
    {
        try
        {
            return ByteString.FromBase64(text);
        }
        catch (FormatException)
        {
            return ByteString.FromBase64(text.Replace('-', '+').Replace('_', '/'));
        }
    }

    private static bool IsWellKnown(MessageDescriptor type) => type.File.Package == "google.protobuf";
}
