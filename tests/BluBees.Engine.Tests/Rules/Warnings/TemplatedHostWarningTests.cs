using BluBees.Engine.Rules;
using BluBees.Engine.Rules.Warnings;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Flow;
using BluBees.Engine.Steps.Transfer;
using BluBees.Engine.Templates;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Rules.Warnings;

/// <summary>
/// A <c>url</c> without a connection whose host comes from data (a placeholder before the '/' that ends the host) is
/// saved with a warning at the step's url field; a host written out, or a connection, is not warned.
/// </summary>
public sealed class TemplatedHostWarningTests
{
    private static readonly JiraFieldSet Fields = new([("summary", "Summary")]);

    private static IReadOnlyList<RuleWarning> Analyze(params StepDefinition[] steps)
        => RuleAnalyzer.Analyze(new RuleDefinition { Name = "Rule", Trigger = new TriggerDefinition { Type = "manual" }, Steps = steps }, Fields, TemplateLimits.Default);

    private static HttpStepDefinition Http(string url, string? connection = null) => new() { Id = "call", Method = "GET", Url = url, Connection = connection };

    [TestCase("https://api.example.com{{ issue.key }}")]
    [TestCase("https://api.example.com{{ issue.key }}/v1")]
    [TestCase("https://{{ issue.key }}/v1/items")]
    [TestCase("https://{{ issue.key }}.example.com/v1")]
    [TestCase("https://api.example.com:{{ issue.key }}/v1")]
    [TestCase("{{ issue.key }}/v1")]
    [TestCase("https://api.example.com{% if issue %}.x{% endif %}/v1")]
    public void A_url_whose_host_comes_from_data_is_warned_at_the_url_field(string url)
    {
        var warnings = Analyze(Http(url));
        Assert.That(warnings.Select(w => (w.Path, w.Code)), Is.EqualTo(new[] { ("steps[0].url", RuleWarningCodes.HostFromData) }));
        Assert.That(warnings[0].Message, Does.Contain("host").And.Contain("data"));
    }

    [TestCase("https://api.example.com/{{ issue.key }}")]
    [TestCase("https://api.example.com/v1/items/{{ issue.key }}")]
    [TestCase("https://api.example.com?key={{ issue.key }}")]
    [TestCase("https://api.example.com:8443/{{ issue.key }}")]
    [TestCase("https://api.example.com/v1")]
    public void A_url_whose_host_is_written_out_is_not_warned(string url)
        => Assert.That(Analyze(Http(url)), Is.Empty);

    [Test]
    public void With_a_connection_the_origin_is_held_at_run_time_and_nothing_is_said()
        => Assert.That(Analyze(Http("https://api.example.com{{ issue.key }}", "conn_1")), Is.Empty);

    [Test]
    public void Nested_steps_and_each_side_of_a_transfer_are_warned_at_their_own_url()
    {
        var transfer = new TransferStepDefinition
        {
            Id = "move",
            Source = new TransferEndpointDefinition { Url = "https://{{ issue.key }}/file" },
            Destination = new TransferEndpointDefinition { Url = "https://store.example.com{{ issue.key }}", Method = "PUT" },
        };
        var warnings = Analyze(new ForEachStepDefinition { Id = "each", Items = "issue.fields.labels", Steps = [Http("https://{{ item }}/x")] }, transfer);
        Assert.That(warnings.Where(w => w.Code == RuleWarningCodes.HostFromData).Select(w => w.Path),
            Is.EqualTo(new[] { "steps[0].steps[0].url", "steps[1].source.url", "steps[1].destination.url" }));
    }
}
