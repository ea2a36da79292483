using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text.Json.Nodes;
using BluBees.Engine.Rules;
using BluBees.Engine.Runs;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Templates;
using BluBees.Engine.Tests.Steps.Jira;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Flow;

/// <summary>
/// Runs a rule's steps through <see cref="StepSequence"/> with the Jira executors wired as in production against the
/// loopback <see cref="FakeJiraSite"/>, under a run budget as the run processor activates one.
/// </summary>
internal sealed class FlowKit : IAsyncDisposable
{
    public FlowKit()
    {
        Executors = CompiledJiraStep.Kinds.Select(k => (IStepExecutor)new JiraStepExecutor(k, Jira.Actions, Jira.Preview))
            .ToFrozenDictionary(e => e.Kind, StringComparer.Ordinal);
    }

    public JiraKit Jira { get; } = new();

    public FrozenDictionary<string, IStepExecutor> Executors { get; }

    public ConcurrentQueue<string> Logs { get; } = new();

    public static CompiledRule Compile(params string[] steps)
    {
        var (rule, errors) = StepKit.CompileRule(StepKit.Rule(steps));
        Assert.That(errors.IsEmpty, Is.True, errors.ToString());
        return rule!;
    }

    public async Task<SequenceResult> RunAsync(CompiledRule rule, JsonObject? scope = null, RunBudget? budget = null, CancellationToken ct = default)
    {
        using var active = (budget ?? new RunBudget(10_000_000, TimeSpan.FromMinutes(5), TimeProvider.System)).Activate();
        var run = new StepRun(JiraKit.Tenant, FakeJiraSite.Token, scope ?? SampleEvents.Scope()) { Trace = "blubees.rule_1.abc", RuleId = rule.Id };
        return await new StepSequence(Executors, Jira.Time, new ListLogger<StepSequence>(Logs), rule.Id).RunAsync(rule.Steps, run, ct);
    }

    /// <summary>The scope of the sample event, with <c>issue.fields.subtasks</c> set to issues <c>OPS-1</c>…<c>OPS-n</c>.</summary>
    public static JsonObject ScopeWithSubtasks(int count)
    {
        var scope = SampleEvents.Scope();
        scope["issue"]!["fields"]!["subtasks"] = new JsonArray([.. Enumerable.Range(1, count).Select(i => (JsonNode)new JsonObject { ["id"] = (10000 + i).ToString(), ["key"] = $"OPS-{i}" })]);
        return scope;
    }

    /// <summary>The paths of the requests the fake Jira received, in order.</summary>
    public IReadOnlyList<string> Requests() => [.. Jira.Site.Requests.Select(r => $"{r.Method} {r.Path.Replace("/jira/rest/api/3", "", StringComparison.Ordinal)}")];

    public ValueTask DisposeAsync() => Jira.DisposeAsync();
}
