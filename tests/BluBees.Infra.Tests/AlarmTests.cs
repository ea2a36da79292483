namespace BluBees.Infra.Tests;

/// <summary>CloudWatch alarms, all wired to the e-mail topic.</summary>
[TestFixture]
internal sealed class AlarmTests
{
    /// <summary>Namespace, metric, dimension, the resource it must watch, and how it must compare.</summary>
    private static readonly object[] ExpectedAlarms =
    [
        new object[] { "AWS/ApiGateway", "5xx", "ApiId", "Ref HttpApi", "GreaterThanOrEqualToThreshold" },
        new object[] { "AWS/Lambda", "Errors", "FunctionName", "Ref ApiFunction", "GreaterThanOrEqualToThreshold" },
        new object[] { "AWS/Lambda", "Throttles", "FunctionName", "Ref ApiFunction", "GreaterThanOrEqualToThreshold" },
        new object[] { "AWS/Lambda", "Errors", "FunctionName", "Ref WorkerFunction", "GreaterThanOrEqualToThreshold" },
        new object[] { "AWS/Lambda", "Throttles", "FunctionName", "Ref WorkerFunction", "GreaterThanOrEqualToThreshold" },
        new object[] { "AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "GetAtt RunDeadLetterQueue.QueueName", "GreaterThanThreshold" },
        new object[] { "AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", "GetAtt RunQueue.QueueName", "GreaterThanThreshold" },
    ];

    private static IEnumerable<string> Alarms => Template.OfType("AWS::CloudWatch::Alarm");

    private static string Describe(JsonNode? node)
    {
        if (Cfn.RefTarget(node) is { } target)
        {
            return $"Ref {target}";
        }

        return Cfn.GetAtt(node) is var (resource, attribute) ? $"GetAtt {resource}.{attribute}" : Cfn.Str(node) ?? Cfn.Show(node);
    }

    private static JsonNode? Dimension(JsonObject alarm, string name) =>
        Cfn.FlatList(alarm["Dimensions"]).FirstOrDefault(d => Cfn.Str(d?["Name"]) == name)?["Value"];

    [TestCaseSource(nameof(ExpectedAlarms))]
    public void AlarmExistsAndNotifiesTheTopic(string ns, string metric, string dimension, string watched, string comparison)
    {
        var matches = Alarms.Select(Template.Properties).Where(a =>
            Cfn.Str(a["Namespace"]) == ns && Cfn.Str(a["MetricName"]) == metric
            && Describe(Dimension(a, dimension)) == watched).ToList();
        Assert.That(matches, Has.Count.EqualTo(1), $"{ns} {metric} on {watched}");
        var alarm = matches[0];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Cfn.Str(alarm["ComparisonOperator"]), Is.EqualTo(comparison));
            Assert.That(Cfn.Long(alarm["Threshold"]), Is.Not.Null);
            Assert.That(Cfn.FlatList(alarm["AlarmActions"]).Select(Describe), Is.EqualTo(new[] { "Ref AlarmTopic" }));
        }
    }

    [Test]
    public void DeadLetterQueueAlarmFiresOnTheFirstMessage()
    {
        var dlq = Alarms.Select(Template.Properties).Single(a => Describe(Dimension(a, "QueueName")) == "GetAtt RunDeadLetterQueue.QueueName");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Cfn.Long(dlq["Threshold"]), Is.Zero);
            Assert.That(Cfn.Str(dlq["Statistic"]), Is.EqualTo("Maximum"));
        }
    }

    [Test]
    public void QueueAgeAlarmFiresWellWithinTheRetention()
    {
        var age = Alarms.Select(Template.Properties).Single(a => Cfn.Str(a["MetricName"]) == "ApproximateAgeOfOldestMessage");
        var retention = Cfn.Long(Template.Properties("RunQueue")["MessageRetentionPeriod"]) ?? 0;
        Assert.That(Cfn.Long(age["Threshold"]), Is.GreaterThan(0).And.LessThan(retention / 4));
    }

    [Test]
    public void ApiAlarmWatchesTheDeployedStage()
    {
        var api5xx = Alarms.Select(Template.Properties).Single(a => Cfn.Str(a["MetricName"]) == "5xx");
        var stage = Cfn.Str(Template.Properties("HttpApi")["StageName"]) ?? "$default";
        Assert.That(Cfn.Str(Dimension(api5xx, "Stage")), Is.EqualTo(stage));
    }

    [Test]
    public void EveryAlarmNotifiesTheTopic()
    {
        Assert.That(Alarms.Count(), Is.GreaterThanOrEqualTo(ExpectedAlarms.Length));
        using (Assert.EnterMultipleScope())
        {
            foreach (var alarm in Alarms)
            {
                Assert.That(Cfn.FlatList(Template.Properties(alarm)["AlarmActions"]).Select(Describe), Does.Contain("Ref AlarmTopic"), alarm);
                Assert.That(Cfn.Str(Template.Properties(alarm)["TreatMissingData"]), Is.EqualTo("notBreaching"), alarm);
            }
        }
    }

    [Test]
    public void TopicMailsTheAlarmEmailParameter()
    {
        var subscriptions = Cfn.FlatList(Template.Properties("AlarmTopic")["Subscription"]);
        var email = subscriptions.Where(s => Cfn.Str(s?["Protocol"]) == "email").ToList();
        Assert.That(email, Has.Count.EqualTo(1));
        Assert.That(Cfn.IsRef(email[0]?["Endpoint"], "AlarmEmail"), Is.True);
    }
}
