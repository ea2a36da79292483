using System.Text.Json;

namespace BluBees.Infra.Tests;

/// <summary>The HTTP API: exactly the app's public routes, throttled, logged without client identity.</summary>
[TestFixture]
internal sealed class HttpApiTests
{
    private static readonly string[] AllowedRoutes =
    [
        "GET /health",
        "POST /forge/events",
        "POST /forge/lifecycle",
        "POST /forge/uninstall",
        "POST /forge/scheduled",
        "POST /forge/webhook",
        "ANY /api/{proxy+}",
        "ANY /support/{proxy+}",
    ];

    private static JsonObject Api => Template.Properties("HttpApi");

    private static IEnumerable<string> RouteKeys =>
        Functions.Events("HttpApi").Select(e => $"{Cfn.Str(e.Properties["Method"])?.ToUpperInvariant()} {Cfn.Str(e.Properties["Path"])}");

    [Test]
    public void ThereIsExactlyOneHttpApi() =>
        Assert.That(Template.OfType("AWS::Serverless::HttpApi"), Is.EqualTo(new[] { "HttpApi" }));

    [Test]
    public void RoutesAreExactlyTheAllowedSet() =>
        Assert.That(RouteKeys, Is.EquivalentTo(AllowedRoutes));

    [Test]
    public void InternalAndDevRoutesAndCatchAllsAreAbsent()
    {
        var paths = Functions.Events("HttpApi").Select(e => Cfn.Str(e.Properties["Path"]) ?? "").ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(paths, Has.None.StartsWith("/internal"));
            Assert.That(paths, Has.None.StartsWith("/dev"));
            Assert.That(paths, Has.None.EqualTo("$default"));
            Assert.That(paths, Has.None.EqualTo("/{proxy+}"));
            Assert.That(paths, Has.None.EqualTo("/"));
        }
    }

    [Test]
    public void RoutesComeOnlyFromFunctionEventsOnThisApi()
    {
        using (Assert.EnterMultipleScope())
        {
            // No raw route resources and no OpenAPI body that could add routes on the side.
            Assert.That(Template.OfType("AWS::ApiGatewayV2::Route"), Is.Empty);
            Assert.That(Template.OfType("AWS::ApiGatewayV2::Api"), Is.Empty);
            Assert.That(Api.ContainsKey("DefinitionBody") || Api.ContainsKey("DefinitionUri"), Is.False);
            Assert.That(Functions.Events("HttpApi").Select(e => e.Function), Is.All.EqualTo(Functions.Api));
            foreach (var (_, name, props) in Functions.Events("HttpApi"))
            {
                Assert.That(Cfn.IsRef(props["ApiId"], "HttpApi"), Is.True, $"{name} must attach to HttpApi, not an implicit API");
            }
        }
    }

    [Test]
    public void DefaultRouteSettingsThrottle()
    {
        var settings = Cfn.Obj(Api["DefaultRouteSettings"], "HttpApi.DefaultRouteSettings");
        var burst = Cfn.RefTarget(settings["ThrottlingBurstLimit"]);
        var rate = Cfn.RefTarget(settings["ThrottlingRateLimit"]);
        Assert.That(burst, Is.Not.Null, "burst limit comes from a parameter");
        Assert.That(rate, Is.Not.Null, "rate limit comes from a parameter");

        var burstDefault = Cfn.Long(Template.Parameters[burst!]?["Default"]) ?? 0;
        var rateDefault = Cfn.Long(Template.Parameters[rate!]?["Default"]) ?? 0;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(burstDefault, Is.GreaterThan(0));
            Assert.That(rateDefault, Is.GreaterThan(0));
            Assert.That(rateDefault, Is.LessThanOrEqualTo(burstDefault));
        }
    }

    [Test]
    public void AccessLogsGoToTheStackLogGroup()
    {
        var destination = Api["AccessLogSettings"]?["DestinationArn"];
        var sub = Cfn.SubTemplate(destination);
        Assert.That(
            Cfn.IsGetAtt(destination, "ApiAccessLogGroup", "Arn") || (sub?.EndsWith(":log-group:${ApiAccessLogGroup}", StringComparison.Ordinal) ?? false),
            Is.True, Cfn.Show(destination));
    }

    [Test]
    public void AccessLogFormatIsJsonWithoutClientIdentity()
    {
        var format = Cfn.Str(Api["AccessLogSettings"]?["Format"]);
        Assert.That(format, Is.Not.Null.And.Not.Empty);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(format, Does.Not.Contain("sourceIp"));
            Assert.That(format, Does.Not.Contain("userAgent"));
            Assert.That(format, Does.Not.Contain("$context.identity"));
            Assert.That(format, Does.Not.Contain("$context.authorizer"));
            Assert.That(format, Does.Contain("$context.requestId"));
            Assert.That(format, Does.Contain("$context.routeKey"));
            Assert.That(format, Does.Contain("$context.status"));
            Assert.That(() => JsonDocument.Parse(format!).Dispose(), Throws.Nothing, "format is one JSON object per line");
        }
    }

    [Test]
    public void IntegrationsUsePayloadV2AndOutlastTheFunction()
    {
        var functionTimeoutMs = Functions.Timeout(Functions.Api) * 1000;
        using (Assert.EnterMultipleScope())
        {
            foreach (var (_, name, props) in Functions.Events("HttpApi"))
            {
                Assert.That(Cfn.Str(props["PayloadFormatVersion"]), Is.EqualTo("2.0"), name);
                var timeout = Cfn.Long(props["TimeoutInMillis"]);
                Assert.That(timeout, Is.LessThanOrEqualTo(30_000), $"{name}: HTTP API integrations allow at most 30 s");
                Assert.That(timeout, Is.GreaterThanOrEqualTo(functionTimeoutMs), $"{name}: the integration must not cut the function off");
            }
        }
    }

    [Test]
    public void StageIsTheDefaultStageSoPathsReachTheAppUnprefixed() =>
        Assert.That(Cfn.Str(Api["StageName"]) ?? "$default", Is.EqualTo("$default"));
}
