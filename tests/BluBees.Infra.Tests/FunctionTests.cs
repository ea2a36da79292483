namespace BluBees.Infra.Tests;

/// <summary>Both functions: the same self-contained artifact behind the Lambda Web Adapter layer.</summary>
[TestFixture]
internal sealed class FunctionTests
{
    // Forge gives UI calls 25 s; HTTP API integrations stop at 30 s.
    private const long UiBudgetSeconds = 25;
    private const long HttpApiIntegrationMaxSeconds = 30;

    private static readonly string[] BothFunctions = [Functions.Api, Functions.Worker];

    [Test]
    public void ThereAreExactlyTheApiAndWorkerFunctions() =>
        Assert.That(Functions.All, Is.EquivalentTo(BothFunctions));

    [TestCaseSource(nameof(BothFunctions))]
    public void RunsOnArm64CustomRuntimeWithTheArtifactsOwnBootstrap(string fn)
    {
        var props = Template.EffectiveFunction(fn);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Cfn.Str(props["Runtime"]), Is.EqualTo("provided.al2023"));
            Assert.That(Cfn.FlatList(props["Architectures"]).Select(Cfn.Str), Is.EqualTo(new[] { "arm64" }));
            Assert.That(Cfn.Str(props["Handler"]), Is.EqualTo("bootstrap"));
            Assert.That(Cfn.Str(props["PackageType"]) ?? "Zip", Is.EqualTo("Zip"));
        }
    }

    [TestCaseSource(nameof(BothFunctions))]
    public void LoadsOnlyTheWebAdapterLayerByParameterArn(string fn)
    {
        var layers = Cfn.FlatList(Template.EffectiveFunction(fn)["Layers"]);
        Assert.That(layers, Has.Count.EqualTo(1));
        Assert.That(Cfn.IsRef(layers[0], "LambdaAdapterLayerArn"), Is.True, Cfn.Show(layers[0]));
    }

    [Test]
    public void LayerParameterAcceptsOnlyALayerVersionArn()
    {
        var parameter = Cfn.Obj(Template.Parameters["LambdaAdapterLayerArn"], "LambdaAdapterLayerArn");
        var pattern = new System.Text.RegularExpressions.Regex(Cfn.Str(parameter["AllowedPattern"]) ?? "^$");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(pattern.IsMatch("arn:aws:lambda:eu-west-1:753240598075:layer:LambdaAdapterLayerArm64:26"), Is.True);
            Assert.That(pattern.IsMatch("arn:aws:lambda:eu-west-1:753240598075:layer:LambdaAdapterLayerArm64"), Is.False, "a version is required");
            Assert.That(pattern.IsMatch("LambdaAdapterLayerArm64"), Is.False);
        }
    }

    [Test]
    public void BothFunctionsShareOneCodeArtifact()
    {
        var uris = BothFunctions.Select(fn => Cfn.Show(Template.EffectiveFunction(fn)["CodeUri"])).Distinct().ToList();
        Assert.That(uris, Has.Count.EqualTo(1));
        Assert.That(Cfn.Str(Template.EffectiveFunction(Functions.Api)["CodeUri"]), Is.EqualTo("artifacts/lambda/"));
    }

    [TestCaseSource(nameof(BothFunctions))]
    public void PublishesVersionsBehindTheLiveAliasForRollback(string fn) =>
        Assert.That(Cfn.Str(Template.EffectiveFunction(fn)["AutoPublishAlias"]), Is.EqualTo("live"));

    [Test]
    public void ApiTimeoutCoversTheUiBudgetWithinTheIntegrationLimit()
    {
        var timeout = Functions.Timeout(Functions.Api);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(timeout, Is.GreaterThan(UiBudgetSeconds), "a UI call may run 25 s; do not cut it earlier");
            Assert.That(timeout, Is.LessThan(HttpApiIntegrationMaxSeconds), "the HTTP API stops waiting at 30 s");
        }
    }

    [Test]
    public void ApiMemoryIsSizedForColdStart() =>
        Assert.That(Functions.Memory(Functions.Api), Is.GreaterThanOrEqualTo(1024));

    [Test]
    public void WorkerTimeoutIsLargerThanTheApisAndAtMostFifteenMinutes()
    {
        var worker = Functions.Timeout(Functions.Worker);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(worker, Is.GreaterThan(Functions.Timeout(Functions.Api)));
            Assert.That(worker, Is.InRange(60, 900));
            Assert.That(Functions.Memory(Functions.Worker), Is.GreaterThanOrEqualTo(512));
        }
    }

    [Test]
    public void WorkerConsumesTheRunQueueWithPartialBatchResponses()
    {
        var sqs = Functions.Events("SQS").ToList();
        Assert.That(sqs.Select(e => e.Function), Is.EqualTo(new[] { Functions.Worker }), "only the worker consumes");
        var props = sqs[0].Properties;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Cfn.IsGetAtt(props["Queue"], "RunQueue", "Arn"), Is.True, Cfn.Show(props["Queue"]));
            Assert.That(Cfn.FlatList(props["FunctionResponseTypes"]).Select(Cfn.Str), Is.EqualTo(new[] { "ReportBatchItemFailures" }));
            Assert.That(Cfn.Long(props["BatchSize"]), Is.InRange(1, 10));
            Assert.That(Cfn.Long(props["MaximumBatchingWindowInSeconds"]) ?? 0, Is.InRange(0, 5));
            Assert.That(Cfn.Bool(props["Enabled"]) ?? true, Is.True);
        }
    }

    [Test]
    public void WorkerServesNoHttpRoutes() =>
        Assert.That(Functions.Events("HttpApi").Select(e => e.Function), Has.None.EqualTo(Functions.Worker));
}
