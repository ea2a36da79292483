using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace BluBees.Engine.Tests.Ai;

/// <summary>Captures every log line at every level with its structured values and exception text.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<string> _lines = new();

    public string AllText => string.Join('\n', _lines);

    public int Count => _lines.Count;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull
    {
        _lines.Enqueue($"[scope] {state}");
        return null;
    }

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
        _lines.Enqueue($"{logLevel}: {formatter(state, exception)} | {values} | {exception}");
    }
}
