namespace BluBees.Infra.Tests;

/// <summary>Explicit log groups with a fixed retention.</summary>
[TestFixture]
internal sealed class LogGroupTests
{
    private static IEnumerable<string> LogGroups => Template.OfType("AWS::Logs::LogGroup");

    [Test]
    public void EveryLogGroupKeepsThirtyDaysAndIsEncryptedWithTheKey()
    {
        Assert.That(LogGroups.Count(), Is.EqualTo(3), "API function, worker function, API access log");
        using (Assert.EnterMultipleScope())
        {
            foreach (var group in LogGroups)
            {
                var props = Template.Properties(group);
                Assert.That(Cfn.Long(props["RetentionInDays"]), Is.EqualTo(30), group);
                Assert.That(Cfn.IsGetAtt(props["KmsKeyId"], "DataKey", "Arn"), Is.True, group);
            }
        }
    }

    [TestCase(Functions.Api, "ApiLogGroup")]
    [TestCase(Functions.Worker, "WorkerLogGroup")]
    public void FunctionLogsToItsExplicitGroup(string fn, string group)
    {
        var function = Template.EffectiveFunction(fn);
        var expectedName = $"/aws/lambda/{Cfn.SubTemplate(function["FunctionName"])}";
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Cfn.IsRef(function["LoggingConfig"]?["LogGroup"], group), Is.True);
            Assert.That(Cfn.SubTemplate(Template.Properties(group)["LogGroupName"]), Is.EqualTo(expectedName),
                "the default group name too, so nothing ever creates a second, unmanaged group");
        }
    }

    [Test]
    public void AccessLogGroupIsTheHttpApisDestination() =>
        Assert.That(Cfn.SubTemplate(Template.Properties("HttpApi")["AccessLogSettings"]?["DestinationArn"]),
            Does.EndWith("${ApiAccessLogGroup}"));
}
