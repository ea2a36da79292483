using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace BluBees.Infra.Tests.Support;

/// <summary>
/// Reads a CloudFormation YAML template into a plain JSON tree, turning the short-form
/// intrinsic tags into their long forms (<c>!Ref x</c> → <c>{"Ref": "x"}</c>,
/// <c>!GetAtt a.b</c> → <c>{"Fn::GetAtt": ["a", "b"]}</c>, <c>!Sub s</c> → <c>{"Fn::Sub": s}</c>, …)
/// so that assertions navigate the same shape CloudFormation sees.
/// </summary>
internal static partial class CloudFormationYaml
{
    private static readonly Dictionary<string, string> LongForms = new(StringComparer.Ordinal)
    {
        ["!Ref"] = "Ref",
        ["!Condition"] = "Condition",
        ["!GetAtt"] = "Fn::GetAtt",
        ["!Sub"] = "Fn::Sub",
        ["!Join"] = "Fn::Join",
        ["!If"] = "Fn::If",
        ["!Equals"] = "Fn::Equals",
        ["!Select"] = "Fn::Select",
        ["!Split"] = "Fn::Split",
        ["!FindInMap"] = "Fn::FindInMap",
        ["!Not"] = "Fn::Not",
        ["!And"] = "Fn::And",
        ["!Or"] = "Fn::Or",
        ["!ImportValue"] = "Fn::ImportValue",
        ["!Base64"] = "Fn::Base64",
        ["!Cidr"] = "Fn::Cidr",
        ["!GetAZs"] = "Fn::GetAZs",
        ["!Transform"] = "Fn::Transform",
    };

    public static JsonNode? Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        if (stream.Documents.Count != 1)
        {
            throw new InvalidDataException($"Expected one YAML document, found {stream.Documents.Count}.");
        }

        return Convert(stream.Documents[0].RootNode);
    }

    private static JsonNode? Convert(YamlNode node)
    {
        var tag = node.Tag.IsEmpty ? null : node.Tag.Value;
        if (tag is null or "!" || tag.StartsWith("tag:yaml.org,2002:", StringComparison.Ordinal))
        {
            return ConvertUntagged(node);
        }

        if (!LongForms.TryGetValue(tag, out var longForm))
        {
            throw new InvalidDataException($"Unknown YAML tag {tag} at {node.Start}.");
        }

        JsonNode? content = tag == "!GetAtt" && node is YamlScalarNode getAtt
            ? SplitGetAtt(getAtt)
            : node is YamlScalarNode scalar ? JsonValue.Create(scalar.Value ?? string.Empty) : ConvertUntagged(node);
        return new JsonObject { [longForm] = content };
    }

    private static JsonArray SplitGetAtt(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? string.Empty;
        var dot = value.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || dot == value.Length - 1)
        {
            throw new InvalidDataException($"!GetAtt needs Resource.Attribute, got '{value}' at {scalar.Start}.");
        }

        return [value[..dot], value[(dot + 1)..]];
    }

    private static JsonNode? ConvertUntagged(YamlNode node) => node switch
    {
        YamlMappingNode map => ConvertMapping(map),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => ConvertScalar(scalar),
        _ => throw new InvalidDataException($"Unsupported YAML node {node.NodeType} at {node.Start}."),
    };

    private static JsonObject ConvertMapping(YamlMappingNode map)
    {
        var result = new JsonObject();
        foreach (var (key, value) in map.Children)
        {
            var name = key is YamlScalarNode s ? s.Value ?? string.Empty
                : throw new InvalidDataException($"Non-scalar mapping key at {key.Start}.");
            if (name == "<<")
            {
                throw new InvalidDataException($"YAML merge keys are not supported by CloudFormation ({key.Start}).");
            }

            // JsonObject.Add throws on a duplicate key, which CloudFormation also rejects.
            result.Add(name, Convert(value));
        }

        return result;
    }

    // Quoted scalars are strings; plain scalars follow the YAML core schema (null, bool, int, float).
    private static JsonNode? ConvertScalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? string.Empty;
        if (scalar.Style != ScalarStyle.Plain)
        {
            return JsonValue.Create(value);
        }

        return value switch
        {
            "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" => JsonValue.Create(true),
            "false" or "False" or "FALSE" => JsonValue.Create(false),
            _ when IntegerPattern().IsMatch(value)
                && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
            _ when FloatPattern().IsMatch(value)
                && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => JsonValue.Create(d),
            _ => JsonValue.Create(value),
        };
    }

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
