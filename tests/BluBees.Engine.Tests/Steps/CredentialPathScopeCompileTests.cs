using BluBees.Engine.Egress;
using BluBees.Engine.Steps;
using BluBees.Engine.Templates;
using BluBees.Engine.Validation;
using NUnit.Framework;
using static BluBees.Engine.Tests.Support.StepKit;

namespace BluBees.Engine.Tests.Steps;

/// <summary>
/// At save, a constant <c>url</c> on a connection must be inside the connection's credential scope (its base URL,
/// path included), for an http step and for either side of a transfer: it was refused only on another origin, so a
/// rule could be saved that sends a <c>/v1/teamA</c> connection's credential to <c>/admin</c> on the same host.
/// </summary>
public sealed class CredentialPathScopeCompileTests
{
    private const string Base = "https://api.example.com/v1/teamA";

    private static readonly IReadOnlyDictionary<string, BluBees.Engine.Connections.Connection> Connections = ConnectionMap(Connection(baseUrl: Base));

    [TestCase("https://api.example.com/admin")]
    [TestCase("https://api.example.com/v1/teamB/items")]
    [TestCase("https://api.example.com/v1/teamAB")]
    [TestCase("https://api.example.com/v1")]
    [TestCase("https://api.example.com/v1/teamA/..%2Fadmin")]
    public void A_constant_url_outside_the_base_path_is_refused_naming_the_field(string url)
    {
        var errors = Errors($$"""{ "id": "s", "type": "http", "connection": "conn_api", "url": "{{url}}" }""", Connections);

        Assert.That(errors.Keys, Is.EqualTo(new[] { "steps[0].url" }));
        Assert.That(errors["steps[0].url"].Single(), Does.Contain("outside the connection's base URL"));
    }

    [TestCase(Base)]
    [TestCase(Base + "/")]
    [TestCase(Base + "/items?x=1")]
    [TestCase("https://API.example.com:443/v1/teamA/items")]
    public void A_constant_url_at_or_below_the_base_path_is_accepted(string url)
    {
        Assert.That(Valid($$"""{ "id": "s", "type": "http", "connection": "conn_api", "url": "{{url}}" }""", Connections), Is.Not.Null);
    }

    [Test]
    public void Another_origin_keeps_its_own_message()
    {
        var errors = Errors("""{ "id": "s", "type": "http", "connection": "conn_api", "url": "https://evil.example.net/v1/teamA" }""", Connections);

        Assert.That(errors["steps[0].url"].Single(), Does.Contain("not on the connection's origin"));
    }

    /// <summary>
    /// A url template whose literal text already leaves the scope (a rendered URL must start with the path it spells out
    /// before the first placeholder) can never be sent: refused at save as a constant one is. It was saved, and every
    /// run failed.
    /// </summary>
    [TestCase("https://api.example.com/admin/{{ issue.key }}", "outside the connection's base URL whatever the data")]
    [TestCase("https://api.example.com/v1/teamB/{{ issue.key }}", "outside the connection's base URL whatever the data")]
    [TestCase("https://api.example.com/v1/teamAB/{{ issue.key }}", "outside the connection's base URL whatever the data")]
    [TestCase("https://evil.example.net/v1/teamA/{{ issue.key }}", "not on the connection's origin")]
    public void A_url_template_whose_literal_part_leaves_the_scope_is_refused(string url, string message)
    {
        var errors = Errors($$"""{ "id": "s", "type": "http", "connection": "conn_api", "url": "{{url}}" }""", Connections);

        Assert.That(errors.Keys, Is.EqualTo(new[] { "steps[0].url" }));
        Assert.That(errors["steps[0].url"].Single(), Does.Contain(message));
    }

    [TestCase("https://api.example.com/v1/teamA/{{ issue.key }}")]
    [TestCase("https://api.example.com/v1/teamA/items?key={{ issue.key }}")]
    [TestCase("https://api.example.com/v1/team{{ issue.key }}")]
    [TestCase("https://api.example.com/{{ issue.fields.summary }}")]
    [TestCase("https://{{ issue.fields.summary }}/v1/teamA")]
    public void A_url_template_that_data_may_keep_inside_the_scope_is_saved_and_checked_when_it_runs(string url)
    {
        Assert.That(Valid($$"""{ "id": "s", "type": "http", "connection": "conn_api", "url": "{{url}}" }""", Connections), Is.Not.Null);
    }

    [TestCase("source")]
    [TestCase("destination")]
    public void A_transfer_side_outside_its_connections_base_path_is_refused_naming_the_side(string side)
    {
        var inside = """{ "connection": "conn_api", "path": "/files/1" }""";
        var outside = """{ "connection": "conn_api", "url": "https://api.example.com/admin/files" }""";
        var json = $$"""
            { "id": "copy", "type": "transfer",
              "source": {{(side == "source" ? outside : inside)}},
              "destination": {{(side == "destination" ? outside : inside)}} }
            """;
        var errors = new ValidationErrors();

        var step = BluBees.Engine.Tests.Support.StepKit.Transfer(Step(json), "steps[0]", new StepCompileContext(Connections, new EgressOptions(), TemplateLimits.Default), errors);

        Assert.That(step, Is.Null);
        Assert.That(errors.ToDictionary().Keys, Is.EqualTo(new[] { $"steps[0].{side}.url" }));
        Assert.That(errors.ToDictionary()[$"steps[0].{side}.url"].Single(), Does.Contain("outside the connection's base URL"));
    }
}
