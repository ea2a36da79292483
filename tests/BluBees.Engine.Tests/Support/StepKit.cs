using System.Text.Json.Nodes;
using BluBees.Engine.Connections;
using BluBees.Engine.Egress;
using BluBees.Engine.Rules;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Ai;
using BluBees.Engine.Steps.Transfer;
using BluBees.Engine.Templates;
using BluBees.Engine.Validation;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Support;

/// <summary>Connections as stored records, and compiling steps and rules from JSON.</summary>
internal static class StepKit
{
    public const string ApiId = "conn_api";
    public const string ApiBase = "https://api.example.com/v1";

    private static readonly DateTimeOffset Created = new(2024, 1, 15, 10, 30, 0, TimeSpan.Zero);

    public static Connection Connection(string id = ApiId, string baseUrl = ApiBase, ConnectionAuth? auth = null, string? ciphertext = "v1.stored")
        => new(id, "Example API", baseUrl, auth ?? new ConnectionAuth { Type = AuthTypes.Bearer }, ciphertext, Created, Created);

    public static Dictionary<string, Connection> ConnectionMap(params Connection[] connections)
        => connections.ToDictionary(c => c.Id, StringComparer.Ordinal);

    public static Dictionary<string, Connection> DefaultConnections() => ConnectionMap(Connection());

    public static StepDefinition Step(string json) => TestJson.Read<StepDefinition>(json);

    /// <summary>An <c>http</c> step's record read directly (its <c>type</c> may be left out), for its compiler alone.</summary>
    public static HttpStepDefinition HttpStep(string json) => TestJson.Read<HttpStepDefinition>(json);

    /// <summary>Compiles an <c>ai.chat</c> step through its kind (which names the fields of other kinds it carries).</summary>
    public static CompiledAiStep? AiChat(StepDefinition step, string path, StepCompileContext context, ValidationErrors errors)
        => (CompiledAiStep?)AiStepKind.Instance.Compile(step, path, context, errors);

    /// <summary>Compiles a transfer step through its kind (which names the fields of other kinds it carries).</summary>
    public static CompiledTransferStep? Transfer(StepDefinition step, string path, StepCompileContext context, ValidationErrors errors)
        => (CompiledTransferStep?)TransferStepKind.Instance.Compile(step, path, context, errors);

    /// <summary>Compiles one step at path <c>steps[0]</c>.</summary>
    public static (CompiledHttpStep? Step, ValidationErrors Errors) Compile(
        string stepJson, IReadOnlyDictionary<string, Connection>? connections = null, EgressOptions? egress = null)
    {
        var errors = new ValidationErrors();
        var step = HttpStepCompiler.Compile(HttpStep(stepJson), "steps[0]", connections ?? DefaultConnections(), egress ?? new EgressOptions(), TemplateLimits.Default, errors);
        return (step, errors);
    }

    /// <summary>Compiles a step the way the worker compiles a stored version: without a connection map.</summary>
    public static CompiledHttpStep ValidAtRunTime(string stepJson, EgressOptions? egress = null)
    {
        var errors = new ValidationErrors();
        var step = HttpStepCompiler.Compile(HttpStep(stepJson), "steps[0]", null, egress ?? new EgressOptions(), TemplateLimits.Default, errors);
        Assert.That(errors.IsEmpty, Is.True, errors.ToString());
        return step!;
    }

    /// <summary>Compiles a step that must be valid.</summary>
    public static CompiledHttpStep Valid(string stepJson, IReadOnlyDictionary<string, Connection>? connections = null, EgressOptions? egress = null)
    {
        var (step, errors) = Compile(stepJson, connections, egress);
        Assert.That(errors.IsEmpty, Is.True, () => errors.ToString());
        return step!;
    }

    /// <summary>The error messages keyed by JSON path.</summary>
    public static IDictionary<string, string[]> Errors(string stepJson, IReadOnlyDictionary<string, Connection>? connections = null, EgressOptions? egress = null)
    {
        var (step, errors) = Compile(stepJson, connections, egress);
        Assert.That(step, Is.Null, "an invalid step must not compile");
        return errors.ToDictionary();
    }

    public static (CompiledRule? Rule, ValidationErrors Errors) CompileRule(
        RuleDefinition definition, IReadOnlyDictionary<string, Connection>? connections = null, EgressOptions? egress = null)
    {
        var errors = new ValidationErrors();
        var rule = RuleCompiler.Compile("rule_1", 1, definition, connections ?? DefaultConnections(), egress ?? new EgressOptions(), TemplateLimits.Default, errors);
        return (rule, errors);
    }

    /// <summary>A valid rule whose steps are the given JSON step objects.</summary>
    public static RuleDefinition Rule(params string[] stepsJson) => new()
    {
        Name = "Notify",
        Trigger = new TriggerDefinition { Type = "event", Events = ["avi:jira:updated:issue"] },
        Steps = [.. stepsJson.Select(Step)],
    };

    public static JsonObject Scope() => SampleEvents.Scope();
}
