using Amazon.SQS;
using Amazon.SQS.Model;
using BluBees.Aws.Tests.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Aws.Tests.Sqs;

/// <summary>
/// The SQS stand-in behaves as SQS documents it where the worker's tests lean on it, driven by the real SDK client:
/// a receive returns at most 10 messages and refuses a larger <c>MaxNumberOfMessages</c>
/// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html); a delete with the
/// receipt handle of an earlier receive succeeds but leaves the message, received again since, in the queue
/// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessage.html). Before, the stand-in
/// returned as many messages as asked and refused the stale delete, so a test could see batches SQS never makes and a
/// failed delete where SQS answers success.
/// </summary>
[TestFixture]
public sealed class SqsFakeFidelityTests
{
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private SqsFake _sqs = null!;
    private IAmazonSQS _client = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _sqs = await SqsFake.StartAsync(_clock);
        _client = BluBees.Aws.AwsClientFactory.Sqs(_sqs.Address.ToString());
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _client.Dispose();
        await _sqs.DisposeAsync();
    }

    [Test]
    public async Task A_receive_returns_at_most_ten_messages_and_refuses_to_be_asked_for_more()
    {
        var queue = _sqs.CreateQueue("fidelity-batch-" + Guid.NewGuid().ToString("N")[..8], Visibility);
        for (var i = 0; i < 12; i++)
        {
            await _client.SendMessageAsync(queue, "m" + i);
        }

        var refused = await Assert.ThrowsAsync<AmazonSQSException>(() => _client.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queue, MaxNumberOfMessages = 11 }));
        var batch = await _client.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queue, MaxNumberOfMessages = 10 });

        Assert.Multiple(() =>
        {
            Assert.That(refused!.ErrorCode, Does.Contain("InvalidParameterValue"));
            Assert.That(batch.Messages, Has.Count.EqualTo(10));
            Assert.That(_sqs.Bodies(queue), Has.Count.EqualTo(12), "the refused receive took nothing");
        });
    }

    [Test]
    public async Task A_delete_with_an_earlier_receives_handle_succeeds_but_keeps_the_message()
    {
        var queue = _sqs.CreateQueue("fidelity-delete-" + Guid.NewGuid().ToString("N")[..8], Visibility);
        await _client.SendMessageAsync(queue, "slow");
        var first = (await _client.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queue })).Messages.Single();
        _clock.Advance(Visibility + TimeSpan.FromSeconds(1)); // the first consumer outlived the visibility timeout
        var second = (await _client.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queue })).Messages.Single();

        await _client.DeleteMessageAsync(queue, first.ReceiptHandle); // succeeds, as SQS answers it
        var afterStale = _sqs.Bodies(queue).Count;
        await _client.DeleteMessageAsync(queue, second.ReceiptHandle);

        Assert.Multiple(() =>
        {
            Assert.That(second.MessageId, Is.EqualTo(first.MessageId));
            Assert.That(afterStale, Is.EqualTo(1), "the stale handle deleted nothing");
            Assert.That(_sqs.Bodies(queue), Is.Empty, "the latest handle deletes it");
        });
    }
}
