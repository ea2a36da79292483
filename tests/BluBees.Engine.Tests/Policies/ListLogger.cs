using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace BluBees.Engine.Tests.Policies;

/// <summary>Keeps every log line, rendered and with its structured values, so tests can search them for canaries.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    public ListLogger(ConcurrentQueue<string> lines) => Lines = lines;

    public ConcurrentQueue<string> Lines { get; }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(";", pairs.Select(p => p.Key + "=" + p.Value)) : "";
        Lines.Enqueue($"{logLevel} {formatter(state, exception)} {values} {exception}");
    }
}
