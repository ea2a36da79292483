using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using BluBees.Bench.Harness;
using BluBees.Engine.Events;
using BluBees.Engine.Steps;
using BluBees.Engine.Templates;
using BluBees.Engine.Validation;

namespace BluBees.Bench.Micro;

/// <summary>
/// Rendering the throughput scenario's step, compiled once: the path template (<c>url_encode</c>) and the
/// JSON body (six leaves, value-mode templates) serialized to UTF-8 as <c>RequestBuilder</c> does.
/// </summary>
[MemoryDiagnoser]
public class TemplateBenchmarks
{
    private readonly TemplateLimits _limits = TemplateLimits.Default;
    private JsonObject _scope = null!;
    private Template _path = null!;
    private CompiledBody _body = null!;
    private Template _textJson = null!;

    [GlobalSetup]
    public void Setup()
    {
        _scope = EventScope.Create(JiraEvent.From(BenchScenario.Event(1, 42), out _)!, "event");
        _path = TemplateCompiler.Compile(BenchScenario.PathTemplate, _limits).Template ?? throw new InvalidOperationException("path template");
        var errors = new ValidationErrors();
        _body = CompiledBody.Compile(BenchScenario.BodyTemplate(), "steps[0].body", _limits, errors) ?? throw new InvalidOperationException(errors.ToString());
        _textJson = TemplateCompiler.Compile(
            """{"key": {{ issue.key | json }}, "title": {{ issue.fields.summary | truncate: 80 | json }}, "points": {{ issue.fields.storyPoints }}}""",
            _limits).Template ?? throw new InvalidOperationException("text template");
        if (RenderPath() != "/hook/1.42")
        {
            throw new InvalidOperationException("unexpected path: " + RenderPath());
        }
    }

    [Benchmark]
    public string RenderPath() => _path.Render(_scope, _limits).Output!;

    [Benchmark]
    public byte[] BuildJsonBody()
    {
        var (value, _) = _body.Build(_scope, _limits);
        return JsonSerializer.SerializeToUtf8Bytes(value);
    }

    /// <summary>For comparison: a body written as one text template (the engine maps bodies with <see cref="CompiledBody"/>).</summary>
    [Benchmark]
    public string RenderTextJsonTemplate() => _textJson.Render(_scope, _limits).Output!;
}
