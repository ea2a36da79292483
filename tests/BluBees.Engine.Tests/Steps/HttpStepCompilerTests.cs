using BluBees.Engine.Connections;
using BluBees.Engine.Egress;
using BluBees.Engine.Steps;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;
using static BluBees.Engine.Tests.Support.StepKit;

namespace BluBees.Engine.Tests.Steps;

public sealed class HttpStepCompilerTests
{
    [Test]
    public void CompilesAConnectionStepWithDefaults()
    {
        var step = Valid("""{ "id": "notify", "type": "http", "connection": "conn_api", "path": "/issues/{{ issue.key }}" }""");

        Assert.That(step.Id, Is.EqualTo("notify"));
        Assert.That(step.ConnectionId, Is.EqualTo(ApiId));
        Assert.That(step.Method, Is.EqualTo("GET"));
        Assert.That(step.Path!.Source, Is.EqualTo("/issues/{{ issue.key }}"));
        Assert.That(step.Url, Is.Null);
        Assert.That(step.Body, Is.Null);
        Assert.That(step.Timeout, Is.EqualTo(TimeSpan.FromSeconds(15)));
        Assert.That(step.ContinueOnError, Is.False);
    }

    [Test]
    public void AStepNeedsAConnectionOrAUrl()
    {
        Assert.That(Errors("""{ "id": "s", "type": "http", "path": "/x" }"""), Is.EqualTo(new Dictionary<string, string[]>
        {
            ["steps[0].connection"] = ["is required (or give an absolute 'url' for an unauthenticated call)"],
        }));
    }

    [Test]
    public void AnUnknownConnectionIsReported()
    {
        Assert.That(Errors("""{ "id": "s", "type": "http", "connection": "conn_other", "path": "/x" }"""), Is.EqualTo(new Dictionary<string, string[]>
        {
            ["steps[0].connection"] = ["connection 'conn_other' does not exist"],
        }));
    }

    [Test]
    public void WithoutAConnectionListTheIdIsTrusted()
    {
        // Run-time compilation of an already validated version passes no connection list.
        var errors = new BluBees.Engine.Validation.ValidationErrors();
        var step = HttpStepCompiler.Compile(HttpStep("""{ "id": "s", "type": "http", "connection": "conn_gone" }"""), "steps[0]", null, new EgressOptions(), BluBees.Engine.Templates.TemplateLimits.Default, errors);

        Assert.That(errors.IsEmpty, Is.True);
        Assert.That(step!.ConnectionId, Is.EqualTo("conn_gone"));
    }

    [Test]
    public void AnUnauthenticatedUrlStepNeedsNoConnection()
    {
        var step = Valid("""{ "id": "s", "type": "http", "method": "POST", "url": "https://hooks.example.org/in/{{ issue.key }}", "body": {} }""");

        Assert.That(step.ConnectionId, Is.Null);
        Assert.That(step.Url!.Source, Is.EqualTo("https://hooks.example.org/in/{{ issue.key }}"));
    }

    [Test]
    public void PathAndUrlTogetherAreRefused()
    {
        Assert.That(Errors("""{ "id": "s", "type": "http", "connection": "conn_api", "path": "/x", "url": "https://api.example.com/x" }"""),
            Is.EqualTo(new Dictionary<string, string[]> { ["steps[0].url"] = ["give either 'path' (relative to the connection) or 'url', not both"] }));
    }

    [TestCase("GET")]
    [TestCase("HEAD")]
    [TestCase("POST")]
    [TestCase("PUT")]
    [TestCase("PATCH")]
    [TestCase("DELETE")]
    public void AcceptsTheAllowedMethods(string method)
    {
        Assert.That(Valid($$"""{ "id": "s", "type": "http", "connection": "conn_api", "method": "{{method}}" }""").Method, Is.EqualTo(method));
    }

    [TestCase("TRACE")]
    [TestCase("CONNECT")]
    [TestCase("OPTIONS")]
    [TestCase("post", Description = "methods are upper case")]
    [TestCase("")]
    public void RefusesOtherMethods(string method)
    {
        var errors = Errors($$"""{ "id": "s", "type": "http", "connection": "conn_api", "method": "{{method}}" }""");

        Assert.That(errors.Keys, Is.EqualTo(new[] { "steps[0].method" }));
        Assert.That(errors["steps[0].method"].Single(), Does.StartWith($"'{method}' is not allowed: use one of GET, POST, PUT, PATCH, DELETE, HEAD"));
    }

    [TestCase("ftp://files.example.com/x", "Scheme 'ftp' is not allowed; use https.")]
    [TestCase("http://api.example.com/x", "Scheme 'http' is not allowed; use https.")]
    [TestCase("https://127.0.0.1/x", "Destination '127.0.0.1' is not allowed: it is not a public address.")]
    [TestCase("https://169.254.169.254/latest/meta-data", "Destination '169.254.169.254' is not allowed: it is not a public address.")]
    [TestCase("https://localhost/x", "Host 'localhost' is not allowed.")]
    [TestCase("https://api.example.com:8443/x", "Port 8443 is not allowed.")]
    [TestCase("https://user:pw@api.example.com/x", "The URL must not contain user info (user:password@); configure credentials on the connection.")]
    [TestCase("/relative", "The URL must be absolute (https://host/path).")]
    [TestCase("not a url", "The URL must be absolute (https://host/path).")]
    [TestCase("https://api.example.com/a b", "The URL must not contain spaces, control characters or invisible characters (text direction, zero width); percent-encode them (a space is %20).")]
    [TestCase("https://api.example.com/\u202Egnp.exe", "The URL must not contain spaces, control characters or invisible characters (text direction, zero width); percent-encode them (a space is %20).")]
    public void AConstantUrlIsCheckedByTheEgressRules(string url, string message)
    {
        Assert.That(Errors($$"""{ "id": "s", "type": "http", "url": "{{url}}" }"""), Is.EqualTo(new Dictionary<string, string[]> { ["steps[0].url"] = [message] }));
    }

    [Test]
    public void PermissiveEgressOptionsAllowWhatTheOperatorAllows()
    {
        var egress = new EgressOptions { AllowHttp = true, AllowPrivateNetworks = true, AllowAnyPort = true };

        Assert.That(Valid("""{ "id": "s", "type": "http", "url": "http://127.0.0.1:8080/hook" }""", egress: egress).Url!.Source, Is.EqualTo("http://127.0.0.1:8080/hook"));
    }

    [TestCase("{{ steps.lookup.body.url }}")]
    [TestCase("{{ issue.fields.scheme }}://api.example.com/x")]
    [TestCase("//api.example.com/{{ issue.key }}")]
    [TestCase("file:///{{ issue.key }}")]
    public void ATemplatedUrlMustStartWithItsScheme(string url)
    {
        Assert.That(Errors($$"""{ "id": "s", "type": "http", "url": "{{url}}" }"""),
            Is.EqualTo(new Dictionary<string, string[]> { ["steps[0].url"] = ["must start with https:// (or http:// where the operator allows it)"] }));
    }

    [TestCase("https://{{ issue.fields.host }}/x")]
    [TestCase("HTTPS://api.example.com/{{ issue.key }}")]
    public void ATemplatedUrlWithAFixedSchemeIsAccepted(string url)
    {
        Assert.That(Valid($$"""{ "id": "s", "type": "http", "url": "{{url}}" }""").Url, Is.Not.Null);
    }

    [TestCase("https://evil.example.net/steal")]
    [TestCase("http://evil.example.net/")]
    [TestCase("//evil.example.net/x")]
    [TestCase("\\\\evil.example.net\\x")]
    [TestCase("/a\\b")]
    public void APathThatIsAUrlIsRefused(string path)
    {
        var json = $$"""{ "id": "s", "type": "http", "connection": "conn_api", "path": {{System.Text.Json.JsonSerializer.Serialize(path)}} }""";

        Assert.That(Errors(json), Is.EqualTo(new Dictionary<string, string[]> { ["steps[0].path"] = ["must be a path relative to the connection's base URL, not a URL"] }));
    }

    [Test]
    public void TemplateErrorsAreReportedWithLineAndColumnAtTheirField()
    {
        var errors = Errors("""
            {
              "id": "s", "type": "http", "connection": "conn_api", "method": "POST",
              "path": "/issues/{{ issue.key | frobnicate }}",
              "headers": { "X-Foo": "{{ issue.key | nope }}", "X-Ok": "fine" },
              "query": { "q": "{% if %}" },
              "body": { "a": { "b": "line one\n  {{ issue. }}" }, "list": ["ok", "{{ x | }}"] }
            }
            """);

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "steps[0].path", "steps[0].headers.X-Foo", "steps[0].query.q", "steps[0].body.a.b", "steps[0].body.list[1]" }));
        Assert.That(errors["steps[0].path"], Is.EqualTo(new[] { "template error at line 1, column 24: unknown filter 'frobnicate'" }));
        Assert.That(errors["steps[0].headers.X-Foo"], Is.EqualTo(new[] { "template error at line 1, column 16: unknown filter 'nope'" }));
        Assert.That(errors["steps[0].query.q"], Has.Some.StartsWith("template error at line 1, column "));
        Assert.That(errors["steps[0].body.a.b"], Is.EqualTo(new[] { "template error at line 2, column 13: expected a property name but found end of tag" }));
        Assert.That(errors["steps[0].body.list[1]"], Is.EqualTo(new[] { "template error at line 1, column 8: expected a filter name but found end of tag" }));
    }

    [TestCase("Host")]
    [TestCase("host")]
    [TestCase("Content-Length")]
    [TestCase("Cookie")]
    [TestCase("Transfer-Encoding")]
    [TestCase("Connection")]
    [TestCase("Proxy-Authorization")]
    [TestCase("Expect")]
    public void ReservedHeadersCannotBeSet(string name)
    {
        Assert.That(Errors($$"""{ "id": "s", "type": "http", "connection": "conn_api", "headers": { "{{name}}": "x" } }"""),
            Is.EqualTo(new Dictionary<string, string[]> { [$"steps[0].headers.{name}"] = [$"'{name}' is managed by BluBees and cannot be set by a step"] }));
    }

    // The error key shows a submitted name only when it is short and plain (letters, digits, _ - $ @ :), else (property).
    [TestCase("X Foo", "(property)")]
    [TestCase("X:Foo", "X:Foo")]
    [TestCase("Ümlaut", "(property)")]
    [TestCase("", "")]
    public void InvalidHeaderNamesAreRefused(string name, string shown)
    {
        Assert.That(Errors($$"""{ "id": "s", "type": "http", "connection": "conn_api", "headers": { "{{name}}": "x" } }"""),
            Is.EqualTo(new Dictionary<string, string[]> { [$"steps[0].headers.{shown}"] = ["is not a valid header name"] }));
    }

    [Test]
    public void AnEmptyQueryParameterNameIsRefused()
    {
        Assert.That(Errors("""{ "id": "s", "type": "http", "connection": "conn_api", "query": { "": "x" } }"""),
            Is.EqualTo(new Dictionary<string, string[]> { ["steps[0].query."] = ["is not a valid parameter name"] }));
    }

    [Test]
    public void QueryParameterNamesMayHoldAnyCharacterTheyWillBeEscaped()
    {
        Assert.That(Valid("""{ "id": "s", "type": "http", "connection": "conn_api", "query": { "a b&c": "x" } }""").Query.Single().Key, Is.EqualTo("a b&c"));
    }

    [Test]
    public void HeadersAndQueryAreLimitedTo30Entries()
    {
        var many = "{ " + string.Join(", ", Enumerable.Range(0, 31).Select(i => $"\"X-H{i}\": \"v\"")) + " }";
        var thirty = "{ " + string.Join(", ", Enumerable.Range(0, 30).Select(i => $"\"X-H{i}\": \"v\"")) + " }";

        Assert.That(Errors($$"""{ "id": "s", "type": "http", "connection": "conn_api", "headers": {{many}}, "query": {{many}} }"""), Is.EqualTo(new Dictionary<string, string[]>
        {
            ["steps[0].headers"] = ["may have at most 30 entries"],
            ["steps[0].query"] = ["may have at most 30 entries"],
        }));
        Assert.That(Valid($$"""{ "id": "s", "type": "http", "connection": "conn_api", "headers": {{thirty}}, "query": {{thirty}} }""").Headers, Has.Count.EqualTo(30));
    }

    [TestCase(0)]
    [TestCase(-1)]
    [TestCase(61)]
    [TestCase(3600)]
    public void TimeoutsOutOfRangeAreRefused(int seconds)
    {
        Assert.That(Errors($$"""{ "id": "s", "type": "http", "connection": "conn_api", "timeoutSeconds": {{seconds}} }"""),
            Is.EqualTo(new Dictionary<string, string[]> { ["steps[0].timeoutSeconds"] = ["must be from 1 to 60"] }));
    }

    [TestCase(1)]
    [TestCase(60)]
    public void TimeoutsFromOneToSixtySecondsAreKept(int seconds)
    {
        Assert.That(Valid($$"""{ "id": "s", "type": "http", "connection": "conn_api", "timeoutSeconds": {{seconds}} }""").Timeout, Is.EqualTo(TimeSpan.FromSeconds(seconds)));
    }

    [TestCase("\"stop\"", false)]
    [TestCase("\"continue\"", true)]
    [TestCase("null", false)]
    public void OnErrorChoosesWhetherTheRunContinues(string onError, bool continues)
    {
        Assert.That(Valid($$"""{ "id": "s", "type": "http", "connection": "conn_api", "onError": {{onError}} }""").ContinueOnError, Is.EqualTo(continues));
    }

    [TestCase("ignore")]
    [TestCase("Continue")]
    [TestCase("")]
    public void OnErrorAcceptsOnlyStopOrContinue(string onError)
    {
        Assert.That(Errors($$"""{ "id": "s", "type": "http", "connection": "conn_api", "onError": "{{onError}}" }"""),
            Is.EqualTo(new Dictionary<string, string[]> { ["steps[0].onError"] = ["must be 'stop' or 'continue'"] }));
    }

    [TestCase("GET")]
    [TestCase("HEAD")]
    public void ABodyOnAMethodWithoutOneIsRefused(string method)
    {
        Assert.That(Errors($$"""{ "id": "s", "type": "http", "connection": "conn_api", "method": "{{method}}", "body": { "a": 1 } }"""),
            Is.EqualTo(new Dictionary<string, string[]> { ["steps[0].body"] = [$"a {method} request has no body"] }));
    }

    [Test]
    public void ABodyOnGetIsRefusedWhenNoMethodIsGiven()
    {
        Assert.That(Errors("""{ "id": "s", "type": "http", "connection": "conn_api", "body": "x" }""").Keys, Is.EqualTo(new[] { "steps[0].body" }));
    }

    [TestCase("POST")]
    [TestCase("PUT")]
    [TestCase("PATCH")]
    [TestCase("DELETE")]
    public void MethodsWithABodyAcceptOne(string method)
    {
        Assert.That(Valid($$"""{ "id": "s", "type": "http", "connection": "conn_api", "method": "{{method}}", "body": { "a": 1 } }""").Body, Is.Not.Null);
    }

    [Test]
    public void EveryProblemOfAStepIsReportedTogether()
    {
        var errors = Errors("""{ "id": "s", "type": "http", "connection": "conn_nope", "method": "GET", "path": "//x", "headers": { "Host": "h" }, "body": {}, "timeoutSeconds": 0, "onError": "retry" }""");

        Assert.That(errors.Keys, Is.EquivalentTo(new[]
        {
            "steps[0].connection", "steps[0].path", "steps[0].headers.Host", "steps[0].body", "steps[0].timeoutSeconds", "steps[0].onError",
        }));
    }

    [Test]
    public void ApiKeyConnectionsAreFoundById()
    {
        var connections = ConnectionMap(Connection("conn_key", "https://key.example.com", new ConnectionAuth { Type = AuthTypes.ApiKey, In = "header", Name = "X-Api-Key" }));

        Assert.That(Valid("""{ "id": "s", "type": "http", "connection": "conn_key" }""", connections).ConnectionId, Is.EqualTo("conn_key"));
        Assert.That(Errors("""{ "id": "s", "type": "http", "connection": "conn_api" }""", connections).Keys, Is.EqualTo(new[] { "steps[0].connection" }));
    }
}
