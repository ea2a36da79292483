namespace BluBees.Infra.Tests;

/// <summary>The configuration keys the app reads (ASP.NET Core maps "__" to ":").</summary>
[TestFixture]
internal sealed class EnvironmentTests
{
    private static readonly string[] BothFunctions = [Functions.Api, Functions.Worker];

    private static string Describe(JsonNode? node)
    {
        if (Cfn.Str(node) is { } literal)
        {
            return literal;
        }

        if (Cfn.RefTarget(node) is { } target)
        {
            return $"Ref {target}";
        }

        return Cfn.GetAtt(node) is var (resource, attribute) ? $"GetAtt {resource}.{attribute}" : Cfn.Show(node);
    }

    [TestCaseSource(nameof(BothFunctions))]
    public void SharedSettingsAreSetAsTheAppExpects(string fn)
    {
        var env = Template.Environment(fn);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Cfn.Str(env["ASPNETCORE_URLS"]), Is.EqualTo("http://127.0.0.1:8080"));
            Assert.That(Cfn.Str(env["ASPNETCORE_ENVIRONMENT"]), Is.EqualTo("Production"));
            Assert.That(Cfn.Str(env["AWS_LWA_PORT"]), Is.EqualTo("8080"), "the adapter must call the port Kestrel listens on");
            Assert.That(Cfn.Str(env["AWS_LWA_READINESS_CHECK_PATH"]), Is.EqualTo("/ready"),
                "the readiness probe must not be /health, which reads DynamoDB (issue 14)");
            Assert.That(Describe(env["Forge__AppId"]), Is.EqualTo("Ref ForgeAppId"));
            Assert.That(Describe(env["Forge__EnvironmentType"]), Is.EqualTo("Ref ForgeEnvironmentType"),
                "tokens of the app's development and staging installations must not reach a production stack");
            Assert.That(Cfn.Str(env["Storage__Provider"]), Is.EqualTo("DynamoDb"));
            Assert.That(Cfn.Str(env["Keys__Provider"]), Is.EqualTo("Kms"));
            Assert.That(Describe(env["Keys__KmsKeyId"]), Is.EqualTo("GetAtt DataKey.Arn"));
            Assert.That(Cfn.Str(env["Queue__Provider"]), Is.EqualTo("Sqs"));
            Assert.That(Describe(env["Queue__QueueUrl"]), Is.EqualTo("Ref RunQueue"));
            Assert.That(Describe(env["Runs__RetentionDays"]), Is.EqualTo("Ref RunsRetentionDays"));
            Assert.That(Cfn.Str(env["Egress__AllowPrivateNetworks"]), Is.EqualTo("false"), "explicitly blocked in production");
            Assert.That(Cfn.Str(env["Support__Enabled"]), Is.EqualTo("true"),
                "the stack requires the support identity provider and routes /support/* to the API: without it the app maps no support route (404)");
            Assert.That(Describe(env["Support__Issuer"]), Is.EqualTo("Ref SupportIssuer"));
            Assert.That(Describe(env["Support__JwksUrl"]), Is.EqualTo("Ref SupportJwksUrl"));
            Assert.That(Describe(env["Support__Audience"]), Is.EqualTo("Ref SupportAudience"));
        }
    }

    [TestCaseSource(nameof(BothFunctions))]
    public void TableNameIsTheStackTableUnlessARestoredTableOverridesIt(string fn)
    {
        var tableName = Template.Environment(fn)["Storage__TableName"];
        var alternatives = Cfn.Alternatives(tableName).Select(Describe).ToList();
        Assert.That(alternatives, Does.Contain("Ref DataTable"));
        Assert.That(alternatives, Is.SubsetOf(new[] { "Ref DataTable", "Ref TableNameOverride" }));
    }

    [TestCaseSource(nameof(BothFunctions))]
    public void ForgeJwksUrlIsLeftToTheAppDefault(string fn) =>
        Assert.That(Template.Environment(fn).ContainsKey("Forge__JwksUrl"), Is.False);

    [Test]
    public void OnlyTheWorkerRunsTheWorker()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Cfn.Str(Template.Environment(Functions.Api)["Worker__Enabled"]), Is.EqualTo("false"));
            Assert.That(Cfn.Str(Template.Environment(Functions.Worker)["Worker__Enabled"]), Is.EqualTo("true"));
        }
    }

    [Test]
    public void TheWorkerKnowsTheReceiveAfterWhichSqsDeadLettersAMessage()
        => Assert.That(Describe(Template.Environment(Functions.Worker)["Worker__MaxReceiveCount"]), Is.EqualTo("Ref MaxReceiveCount"),
            "the same parameter as the queue's redrive policy, so the last receive leaves a delivery_exhausted run record");

    [Test]
    public void TheWorkersRunDeadlineLeavesTimeToAnswerBeforeTheFunctionTimesOut()
    {
        var deadline = Cfn.Long(Template.Environment(Functions.Worker)["Worker__RunDeadlineSeconds"]);
        Assert.That(deadline, Is.GreaterThan(0).And.LessThanOrEqualTo(Functions.Timeout(Functions.Worker) - 15),
            "cancelled runs are recorded and the batch answered before Lambda ends the invocation");
    }

    [Test]
    public void OnlyTheWorkerForwardsNonHttpEventsToTheBatchEndpoint()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Cfn.Str(Template.Environment(Functions.Worker)["AWS_LWA_PASS_THROUGH_PATH"]), Is.EqualTo("/internal/sqs-batch"));
            Assert.That(Template.Environment(Functions.Api).ContainsKey("AWS_LWA_PASS_THROUGH_PATH"), Is.False);
        }
    }

    [Test]
    public void TheWorkersErrorStatusesFailTheInvocationSoTheBatchIsRetriedAndRedriven()
    {
        // Without AWS_LWA_ERROR_STATUS_CODES the adapter drops the status: a 4xx/5xx batch answer would delete the
        // whole batch (https://awslabs.github.io/aws-lambda-web-adapter/features/error-status-codes.html).
        var codes = ParseStatusCodes(Cfn.Str(Template.Environment(Functions.Worker)["AWS_LWA_ERROR_STATUS_CODES"]));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Enumerable.Range(400, 200).Except(codes), Is.Empty, "every 4xx and 5xx fails the invocation");
            Assert.That(codes.Where(c => c < 400), Is.Empty, "a 2xx batch response must reach Lambda");
            Assert.That(Template.Environment(Functions.Api).ContainsKey("AWS_LWA_ERROR_STATUS_CODES"), Is.False,
                "the API's ProblemDetails must reach the HTTP API as they are, not as a Lambda error");
        }
    }

    /// <summary>The adapter's parser (aws-lambda-web-adapter src/lib.rs parse_status_codes); malformed parts are skipped.</summary>
    private static HashSet<int> ParseStatusCodes(string? value)
    {
        var codes = new HashSet<int>();
        foreach (var part in (value ?? "").Split(',').Select(p => p.Trim()))
        {
            var range = part.Split('-');
            if (range.Length == 2 && ushort.TryParse(range[0], out var low) && ushort.TryParse(range[1], out var high))
            {
                codes.UnionWith(Enumerable.Range(low, Math.Max(0, high - low + 1)));
            }
            else if (range.Length == 1 && ushort.TryParse(part, out var single))
            {
                codes.Add(single);
            }
        }

        return codes;
    }

    [TestCaseSource(nameof(BothFunctions))]
    public void NoValueLooksLikeASecret(string fn)
    {
        foreach (var (key, value) in Template.Environment(fn))
        {
            Assert.That(key, Does.Not.Contain("Secret").IgnoreCase.And.Not.Contain("Password").IgnoreCase.And.Not.Contain("Token").IgnoreCase,
                "secrets live in KMS-wrapped storage, never in function configuration");
            Assert.That(Cfn.Str(value) ?? "", Does.Not.Match("^(AKIA|ASIA)[A-Z0-9]{16}$"));
        }
    }
}
