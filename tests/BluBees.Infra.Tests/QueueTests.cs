namespace BluBees.Infra.Tests;

/// <summary>The run queue and its dead-letter queue.</summary>
[TestFixture]
internal sealed class QueueTests
{
    private const long OneDay = 86_400;
    private const long FourDays = 4 * OneDay;

    private static readonly string[] Queues = ["RunQueue", "RunDeadLetterQueue"];

    private static JsonObject Main => Template.Properties("RunQueue");

    private static JsonObject Dlq => Template.Properties("RunDeadLetterQueue");

    [Test]
    public void ThereAreExactlyTheRunQueueAndItsDeadLetterQueue() =>
        Assert.That(Template.OfType("AWS::SQS::Queue"), Is.EquivalentTo(Queues));

    [TestCaseSource(nameof(Queues))]
    public void EncryptedWithTheCustomerManagedKey(string queue)
    {
        var props = Template.Properties(queue);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Cfn.IsGetAtt(props["KmsMasterKeyId"], "DataKey", "Arn") || Cfn.IsRef(props["KmsMasterKeyId"], "DataKey"),
                Is.True, Cfn.Show(props["KmsMasterKeyId"]));
            Assert.That(Cfn.Bool(props["SqsManagedSseEnabled"]) ?? false, Is.False);
        }
    }

    [Test]
    public void RetentionIsShortAndTheDeadLetterQueueOutlivesTheSource()
    {
        var main = Cfn.Long(Main["MessageRetentionPeriod"]);
        var dlq = Cfn.Long(Dlq["MessageRetentionPeriod"]);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(main, Is.Not.Null.And.LessThanOrEqualTo(OneDay), "SQS's 4-day default is too long for runs");
            Assert.That(dlq, Is.Not.Null.And.LessThanOrEqualTo(FourDays));
            // A message keeps its original enqueue time in the DLQ: it must live longer there.
            Assert.That(dlq, Is.GreaterThan(main ?? long.MaxValue));
        }
    }

    [Test]
    public void RedrivesToTheDeadLetterQueueAfterMaxReceiveCount()
    {
        var redrive = Cfn.Obj(Main["RedrivePolicy"], "RunQueue.RedrivePolicy");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Cfn.IsGetAtt(redrive["deadLetterTargetArn"], "RunDeadLetterQueue", "Arn"), Is.True);
            Assert.That(Cfn.IsRef(redrive["maxReceiveCount"], "MaxReceiveCount"), Is.True);
            Assert.That(Cfn.Long(Template.Parameters["MaxReceiveCount"]?["Default"]), Is.EqualTo(5));
            Assert.That(Dlq.ContainsKey("RedrivePolicy"), Is.False, "the DLQ is the end of the line");
        }
    }

    [Test]
    public void TheRunQueueStatesItsMessageSizeLimitAndTenMessagesFitOneInvocation()
    {
        // The app refuses (413) a run message above Queue:MaxMessageBytes, default 262144 = this limit; a batch of
        // 10 messages must stay below Lambda's 6 MB synchronous invocation payload.
        var size = Cfn.Long(Main["MaximumMessageSize"]);
        var batch = Cfn.Long(Functions.Events("SQS").Single().Properties["BatchSize"]) ?? 10;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(size, Is.EqualTo(262_144));
            Assert.That(size * batch, Is.LessThan(6_000_000));
        }
    }

    [Test]
    public void VisibilityTimeoutIsAtLeastSixWorkerTimeoutsPlusTheBatchingWindow()
    {
        var window = Cfn.Long(Functions.Events("SQS").Single().Properties["MaximumBatchingWindowInSeconds"]) ?? 0;
        var required = (6 * Functions.Timeout(Functions.Worker)) + window;
        Assert.That(Cfn.Long(Main["VisibilityTimeout"]), Is.GreaterThanOrEqualTo(required).And.LessThanOrEqualTo(43_200));
    }
}
