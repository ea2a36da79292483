namespace BluBees.Infra.Tests.Support;

/// <summary>The two functions of the stack and their events.</summary>
internal static class Functions
{
    public const string Api = "ApiFunction";
    public const string Worker = "WorkerFunction";

    public static IEnumerable<string> All => Template.OfType("AWS::Serverless::Function");

    public static IEnumerable<(string Function, string Event, JsonObject Properties)> Events(string type) =>
        from fn in All
        let events = Template.Properties(fn)["Events"] as JsonObject ?? []
        from e in events
        where Cfn.Str(e.Value?["Type"]) == type
        select (fn, e.Key, e.Value?["Properties"] as JsonObject ?? []);

    public static long Timeout(string fn) =>
        Cfn.Long(Template.EffectiveFunction(fn)["Timeout"]) ?? 3; // Lambda's default

    public static long Memory(string fn) =>
        Cfn.Long(Template.EffectiveFunction(fn)["MemorySize"]) ?? 128; // Lambda's default
}
