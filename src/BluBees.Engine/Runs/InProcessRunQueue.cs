using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Runs;

/// <summary>The embedded default's queue: a bounded in-memory channel read by <see cref="RunWorker"/>.</summary>
public sealed class InProcessRunQueue(IOptions<RunOptions> options) : IRunQueue
{
    private readonly Channel<RunMessage> _channel = Channel.CreateBounded<RunMessage>(new BoundedChannelOptions(options.Value.QueueCapacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = false,
        SingleWriter = false,
    });

    public ChannelReader<RunMessage> Reader => _channel.Reader;

    public ValueTask EnqueueAsync(RunMessage message, CancellationToken ct)
    {
        if (!_channel.Writer.TryWrite(message))
        {
            throw new QueueFullException();
        }

        return ValueTask.CompletedTask;
    }
}
