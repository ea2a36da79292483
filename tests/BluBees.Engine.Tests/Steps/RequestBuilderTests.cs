using System.Text.Json.Nodes;
using BluBees.Engine.Connections;
using BluBees.Engine.Connections.Credentials;
using BluBees.Engine.Egress;
using BluBees.Engine.Runs;
using BluBees.Engine.Steps;
using BluBees.Engine.Templates;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;
using static BluBees.Engine.Tests.Support.StepKit;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Steps;

/// <summary>Rendering a compiled step into a request: URL, query, headers and body (credentials: see RequestCredentialTests).</summary>
public sealed class RequestBuilderTests
{
    private static PreparedRequest Build(string stepJson, Connection? connection = null, string? secret = null, JsonObject? scope = null)
    {
        var (request, failure) = TryBuild(stepJson, connection, secret, scope);
        Assert.That(failure, Is.Null, () => failure!.Message);
        return request!;
    }

    private static (PreparedRequest? Request, BuildFailure? Failure) TryBuild(string stepJson, Connection? connection = null, string? secret = null, JsonObject? scope = null)
    {
        connection ??= Connection(ciphertext: null);
        var step = Valid(stepJson, ConnectionMap(connection));
        var result = RequestBuilder.Build(step, step.ConnectionId is null ? null : connection, StaticCredentials.From(connection, secret), scope ?? Scope(), TemplateLimits.Default);
        Assert.That(result.Request is null, Is.Not.EqualTo(result.Failure is null), "exactly one of request and failure");
        return result;
    }

    private static JsonObject ScopeWith(string field, JsonNode value) => SampleEvents.Scope(SampleEvents.With(field, value));

    [TestCase("https://api.example.com", "/issues", "https://api.example.com/issues")]
    [TestCase("https://api.example.com/", "/issues", "https://api.example.com/issues")]
    [TestCase("https://api.example.com/", "issues", "https://api.example.com/issues")]
    [TestCase("https://api.example.com/v1", "/issues", "https://api.example.com/v1/issues", Description = "the base path is kept")]
    [TestCase("https://api.example.com/v1", "issues", "https://api.example.com/v1/issues")]
    [TestCase("https://api.example.com/v1/", "/issues", "https://api.example.com/v1/issues")]
    [TestCase("https://api.example.com/v1/", "issues/", "https://api.example.com/v1/issues/")]
    [TestCase("https://api.example.com/v1", "?page=2", "https://api.example.com/v1?page=2")]
    [TestCase("https://api.example.com/v1", "  /trimmed  ", "https://api.example.com/v1/trimmed")]
    [TestCase("https://api.example.com/v1", "/issues/{{ issue.key }}/comments", "https://api.example.com/v1/issues/PRJ-12/comments")]
    public void JoinsThePathToTheBaseUrl(string baseUrl, string path, string expected)
    {
        var connection = Connection(baseUrl: baseUrl, ciphertext: null);

        var request = Build($$"""{ "id": "s", "type": "http", "connection": "conn_api", "path": {{System.Text.Json.JsonSerializer.Serialize(path)}} }""", connection);

        Assert.That(request.Url.AbsoluteUri, Is.EqualTo(expected));
        Assert.That(request.Method, Is.EqualTo("GET"));
    }

    /// <summary>The sample event's scope with a field set in memory (a text round trip would stop at 64 levels).</summary>
    private static JsonObject DeepScope(JsonNode value)
    {
        var root = JsonNode.Parse(SampleEvents.IssueUpdated)!.AsObject();
        root["issue"]!["fields"]!["deep"] = value;
        return SampleEvents.Scope(BluBees.Engine.Events.JiraEvent.From(root, out _)!);
    }

    private static JsonNode Nested(int depth)
    {
        JsonNode node = "leaf";
        for (var i = 1; i < depth; i++)
        {
            node = new JsonObject { ["a"] = node };
        }

        return node;
    }

    [Test]
    public void A_whole_value_as_deep_as_an_accepted_event_is_written_under_the_bodys_own_levels()
    {
        // The ingress accepts bodies 64 deep; a whole-value template puts such a value two levels down here. The
        // serializer's default limit of 64 once made this an internal error of the run.
        var step = """{ "id": "s", "type": "http", "method": "POST", "connection": "conn_api", "body": { "x": { "v": "{{ issue.fields.deep }}" } } }""";
        var request = Build(step, scope: DeepScope(Nested(64)));

        Assert.That(JsonNode.Parse(request.Body, documentOptions: new System.Text.Json.JsonDocumentOptions { MaxDepth = 80 })!["x"]!["v"]!["a"], Is.Not.Null);
    }

    [Test]
    public void A_value_deeper_than_the_limits_is_a_template_error_naming_it()
    {
        var step = """{ "id": "s", "type": "http", "method": "POST", "connection": "conn_api", "body": { "v": "{{ issue.fields.deep }}" } }""";
        var (request, failure) = TryBuild(step, scope: DeepScope(Nested(RequestBuilder.MaxBodyDepth + 10)));

        Assert.That(request, Is.Null);
        Assert.That(failure!.Category, Is.EqualTo(ErrorCategories.TemplateError));
        Assert.That(failure.Message, Does.Contain("nested deeper than"), "the template's own limit on a value's depth speaks first");
    }

    [Test]
    public void WithoutAPathTheBaseUrlIsTheTarget()
    {
        Assert.That(Build("""{ "id": "s", "type": "http", "connection": "conn_api" }""").Url.AbsoluteUri, Is.EqualTo("https://api.example.com/v1"));
    }

    [Test]
    public void QueryParametersAreEscaped()
    {
        var request = Build("""{ "id": "s", "type": "http", "connection": "conn_api", "path": "/search", "query": { "q": "{{ issue.fields.summary }}", "a b": "x&y=z#?", "jql": "project = {{ issue.fields.project.key }}" } }""");

        Assert.That(request.Url.AbsoluteUri, Is.EqualTo("https://api.example.com/v1/search?q=Login%20fails%20on%20Safari&a%20b=x%26y%3Dz%23%3F&jql=project%20%3D%20PRJ"));
        Assert.That(request.Url.Fragment, Is.Empty, "an escaped '#' must not start a fragment");
    }

    [Test]
    public void QueryParametersAreAppendedToAnExistingQuery()
    {
        var request = Build("""{ "id": "s", "type": "http", "connection": "conn_api", "path": "/search?fields=key", "query": { "maxResults": "10" } }""");

        Assert.That(request.Url.Query, Is.EqualTo("?fields=key&maxResults=10"));
    }

    [Test]
    public void AValueFromTheEventCannotAddQueryParameters()
    {
        var request = Build("""{ "id": "s", "type": "http", "connection": "conn_api", "query": { "q": "{{ issue.fields.summary }}" } }""", scope: ScopeWith("summary", "x&admin=true"));

        Assert.That(request.Url.Query, Is.EqualTo("?q=x%26admin%3Dtrue"));
    }

    [Test]
    public void AnUnauthenticatedUrlStepRendersItsUrl()
    {
        var request = Build("""{ "id": "s", "type": "http", "method": "POST", "url": "https://hooks.example.org/in/{{ issue.key }}  ", "query": { "k": "v" }, "body": "{{ issue.key }}" }""");

        Assert.That(request.Url.AbsoluteUri, Is.EqualTo("https://hooks.example.org/in/PRJ-12?k=v"));
        Assert.That(request.Headers, Is.Empty);
    }

    [Test]
    public void RendersHeaders()
    {
        var request = Build("""{ "id": "s", "type": "http", "connection": "conn_api", "headers": { "X-Issue": "{{ issue.key }}", "Accept": "application/json" } }""");

        Assert.That(request.Headers, Is.EqualTo(new[]
        {
            new EgressHeader("X-Issue", "PRJ-12"),
            new EgressHeader("Accept", "application/json"),
        }));
    }

    [TestCase("a\r\nX-Injected: 1")]
    [TestCase("a\nb")]
    [TestCase("a\rb")]
    [TestCase("a\0b")]
    public void AHeaderValueWithALineBreakIsRefused(string value)
    {
        var (request, failure) = TryBuild("""{ "id": "s", "type": "http", "connection": "conn_api", "headers": { "X-Note": "{{ issue.fields.summary }}" } }""", scope: ScopeWith("summary", value));

        Assert.That(request, Is.Null);
        Assert.That(failure, Is.EqualTo(new BuildFailure(ErrorCategories.TemplateError, "header 'X-Note' rendered a value with a line break", "headers.X-Note")));
    }

    // A value rendered into the path is encoded by default, so data is one segment there (the next test); inserted as it
    // is with url_raw (as every value was before that default), a path that is not relative is still refused.
    [TestCase("https://evil.example.net/x")]
    [TestCase("//evil.example.net/x")]
    [TestCase("x\\..\\y")]
    public void ARenderedPathThatIsNotRelativeIsRefused(string rendered)
    {
        var (_, failure) = TryBuild("""{ "id": "s", "type": "http", "connection": "conn_api", "path": "{{ issue.fields.summary | url_raw }}" }""", scope: ScopeWith("summary", rendered));

        Assert.That(failure, Is.EqualTo(new BuildFailure(ErrorCategories.InvalidUrl, "the rendered path is not a relative path", "path")));
    }

    [TestCase("https://evil.example.net/x", "https://api.example.com/v1/https%3A%2F%2Fevil.example.net%2Fx")]
    [TestCase("//evil.example.net/x", "https://api.example.com/v1/%2F%2Fevil.example.net%2Fx")]
    public void AnAbsoluteUrlInDataIsOneSegmentOfTheConnectionsPath(string rendered, string url)
    {
        var request = Build("""{ "id": "s", "type": "http", "connection": "conn_api", "path": "{{ issue.fields.summary }}" }""", scope: ScopeWith("summary", rendered));

        Assert.That(request.Url.AbsoluteUri, Is.EqualTo(url));
    }

    [Test]
    public void ARenderedPathCannotLeaveTheConnectionsHost()
    {
        // Whatever the path renders to, it is appended after a '/', so the host stays the connection's.
        var request = Build("""{ "id": "s", "type": "http", "connection": "conn_api", "path": "{{ issue.fields.summary }}" }""", scope: ScopeWith("summary", "@evil.example.net/x"));

        Assert.That(request.Url.Host, Is.EqualTo("api.example.com"));
    }

    [Test]
    public void AUrlThatDoesNotRenderToAnAbsoluteHttpUrlIsRefused()
    {
        var (_, failure) = TryBuild("""{ "id": "s", "type": "http", "url": "https://{{ issue.fields.summary }}/x" }""");

        Assert.That(failure, Is.EqualTo(new BuildFailure(ErrorCategories.InvalidUrl, "the step's URL is not a valid absolute http(s) URL", "url")));
    }

    [Test]
    public void APathStepWhoseConnectionIsGoneFails()
    {
        var step = Valid("""{ "id": "s", "type": "http", "connection": "conn_api", "path": "/x" }""");

        var (request, failure) = RequestBuilder.Build(step, connection: null, credential: null, Scope(), TemplateLimits.Default);

        Assert.That(request, Is.Null);
        Assert.That(failure!.Category, Is.EqualTo(ErrorCategories.ConnectionMissing));
    }

    [Test]
    public void ARuntimeTemplateErrorNamesWhereItHappenedWithoutData()
    {
        var (_, failure) = TryBuild("""{ "id": "s", "type": "http", "connection": "conn_api", "query": { "n": "{{ issue.fields.num | divided_by: 0 }}" } }""");

        Assert.That(failure!.Category, Is.EqualTo(ErrorCategories.TemplateError));
        Assert.That(failure.Message, Does.StartWith("query parameter 'n': template error"));
    }

    [Test]
    public void TheBodyIsJsonWithTypesPreserved()
    {
        var request = Build("""
            { "id": "s", "type": "http", "connection": "conn_api", "method": "POST", "path": "/issues",
              "body": { "num": "{{ issue.fields.num }}", "key": "{{ issue.key }}", "text": "#{{ issue.fields.num }}", "labels": "{{ issue.fields.labels }}", "flag": true } }
            """);

        Assert.That(request.ContentType, Is.EqualTo("application/json"));
        Assert.That(JsonNode.DeepEquals(JsonNode.Parse(request.Body), TestJson.Node("""{ "num": 42, "key": "PRJ-12", "text": "#42", "labels": ["ui", "auth"], "flag": true }""")), Is.True,
            System.Text.Encoding.UTF8.GetString(request.Body!));
    }

    [Test]
    public void AContentTypeHeaderBecomesTheBodysContentType()
    {
        var request = Build("""{ "id": "s", "type": "http", "connection": "conn_api", "method": "PUT", "headers": { "content-type": "application/vnd.api+json", "X-A": "1" }, "body": {} }""");

        Assert.That(request.ContentType, Is.EqualTo("application/vnd.api+json"));
        Assert.That(request.Headers.Select(h => h.Name), Is.EqualTo(new[] { "X-A" }), "the content type is not sent twice");
    }

    [Test]
    public void WithoutABodyThereIsNoContentType()
    {
        var request = Build("""{ "id": "s", "type": "http", "connection": "conn_api", "method": "DELETE" }""");

        Assert.That(request.Body, Is.Null);
        Assert.That(request.ContentType, Is.Null);
    }

    [Test]
    public void ABodyOverOneMegabyteIsRefused()
    {
        var scope = ScopeWith("summary", new string('x', 60_000));
        var fields = string.Join(", ", Enumerable.Range(0, 18).Select(i => $"\"f{i}\": \"{{{{ issue.fields.summary }}}}\""));

        var (request, failure) = TryBuild($$"""{ "id": "s", "type": "http", "connection": "conn_api", "method": "POST", "body": { {{fields}} } }""", scope: scope);

        Assert.That(request, Is.Null);
        Assert.That(failure, Is.EqualTo(new BuildFailure(ErrorCategories.TemplateError, "the request body exceeds 1048576 bytes")));
    }

    [Test]
    public void BuildingDoesNotChangeTheScope()
    {
        var scope = Scope();
        var before = scope.ToJsonString();

        Build("""{ "id": "s", "type": "http", "connection": "conn_api", "method": "POST", "query": { "q": "{{ issue.key }}" }, "body": { "l": "{{ issue.fields.labels }}" } }""", scope: scope);

        Assert.That(scope.ToJsonString(), Is.EqualTo(before));
    }
}
