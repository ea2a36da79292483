using System.Text.Json.Nodes;

namespace BluBees.Infra.Tests.Support;

/// <summary>template.yaml, parsed once per test run, plus lookups used by many tests.</summary>
internal static class Template
{
    private static readonly Lazy<JsonObject> Loaded = new(() =>
        Cfn.Obj(CloudFormationYaml.Parse(File.ReadAllText(RepositoryPaths.Template)), "template.yaml"));

    public static JsonObject Root => Loaded.Value;

    public static JsonObject Resources => Cfn.Obj(Root[nameof(Resources)], nameof(Resources));

    public static JsonObject Parameters => Cfn.Obj(Root[nameof(Parameters)], nameof(Parameters));

    public static JsonObject Outputs => Cfn.Obj(Root[nameof(Outputs)], nameof(Outputs));

    public static JsonObject Resource(string logicalId) =>
        Cfn.Obj(Resources[logicalId], $"Resources.{logicalId}");

    public static JsonObject Properties(string logicalId) =>
        Cfn.Obj(Resource(logicalId)["Properties"], $"Resources.{logicalId}.Properties");

    public static string TypeOf(string logicalId) => Cfn.Str(Resource(logicalId)["Type"]) ?? "";

    public static IEnumerable<string> OfType(string type) =>
        Resources.Where(r => Cfn.Str(r.Value?["Type"]) == type).Select(r => r.Key);

    /// <summary>
    /// The properties a SAM function ends up with: Globals.Function first, the function's own
    /// properties over them; maps are merged key by key, lists appended (SAM's rules).
    /// </summary>
    public static JsonObject EffectiveFunction(string logicalId)
    {
        var globals = Root["Globals"]?["Function"] as JsonObject ?? [];
        return Merge(globals, Properties(logicalId));
    }

    private static JsonObject Merge(JsonObject under, JsonObject over)
    {
        var result = Cfn.Obj(under.DeepClone(), "globals");
        foreach (var (key, value) in over)
        {
            result[key] = (result[key], value) switch
            {
                (JsonObject a, JsonObject b) when Cfn.Intrinsic(a) is null && Cfn.Intrinsic(b) is null => Merge(a, b),
                (JsonArray a, JsonArray b) => new JsonArray([.. a.Select(n => n?.DeepClone()), .. b.Select(n => n?.DeepClone())]),
                _ => value?.DeepClone(),
            };
        }

        return result;
    }

    /// <summary>The environment variables a function sees (Globals merged in).</summary>
    public static JsonObject Environment(string logicalId) =>
        EffectiveFunction(logicalId)["Environment"]?["Variables"] as JsonObject ?? [];
}
