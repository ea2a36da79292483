using System.Text;
using Amazon.SQS;
using Amazon.SQS.Model;
using BluBees.Engine.Runs;
using Microsoft.Extensions.Options;

namespace BluBees.Aws.Sqs;

/// <summary>
/// The production queue: one encrypted SQS message per run (see <see cref="RunMessageCodec"/>). The worker
/// function receives batches through the Lambda Web Adapter at <c>POST /internal/sqs-batch</c>.
/// </summary>
internal sealed class SqsRunQueue(Lazy<IAmazonSQS> client, RunMessageCodec codec, IOptions<QueueOptions> options) : IRunQueue, IDisposable
{
    public async ValueTask EnqueueAsync(RunMessage message, CancellationToken ct)
    {
        var body = await codec.EncodeAsync(message, ct);
        if (Encoding.UTF8.GetByteCount(body) > options.Value.MaxMessageBytes)
        {
            throw new RunMessageTooLargeException(options.Value.MaxMessageBytes);
        }

        await client.Value.SendMessageAsync(new SendMessageRequest { QueueUrl = options.Value.QueueUrl, MessageBody = body }, ct);
    }

    public void Dispose()
    {
        if (client.IsValueCreated)
        {
            client.Value.Dispose();
        }
    }
}

/// <summary>The encrypted run message exceeds the queue's message size limit.</summary>
public sealed class RunMessageTooLargeException(int limit) : Exception($"The encrypted run message exceeds the queue limit of {limit} bytes.");
