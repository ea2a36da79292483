using System.Text;

namespace BluBees.Api.Observability;

/// <summary>
/// A logger that writes through another one, with the category's redacted values replaced (<see cref="FrameworkLogRules"/>)
/// and any exception reduced to its types and stack: the providers get no exception object, whose message (and its
/// inner exceptions') may quote a URL, a header line or a body. Our own lines carry no exception and no redacted
/// value, so they are passed as they are.
/// </summary>
internal sealed class RedactingLogger(ILogger inner, IReadOnlyDictionary<string, Func<object?, object?>>? rules) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (exception is null && rules is null)
        {
            inner.Log(logLevel, eventId, state, exception, formatter);
            return;
        }

        ArgumentNullException.ThrowIfNull(formatter);
        var message = formatter(state, null);
        var values = new List<KeyValuePair<string, object?>>();
        if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
        {
            foreach (var (key, value) in pairs)
            {
                if (rules is not null && rules.TryGetValue(key, out var redact) && redact(value) is var replaced && !Equals(replaced, value))
                {
                    // The rendered line holds the value as its template wrote it; the template's own text stays.
                    if (value?.ToString() is { Length: > 0 } original)
                    {
                        message = message.Replace(original, replaced?.ToString() ?? string.Empty, StringComparison.Ordinal);
                    }

                    values.Add(new(key, replaced));
                }
                else
                {
                    values.Add(new(key, value));
                }
            }
        }

        if (exception is not null)
        {
            var types = Types(exception);
            values.Add(new("ExceptionType", types));
            message = message + " [" + types + "]" + (exception.StackTrace is { Length: > 0 } stack ? Environment.NewLine + stack : string.Empty);
        }

        inner.Log(logLevel, eventId, new RedactedState(message, values), null, static (s, _) => s.Message);
    }

    /// <summary>"System.InvalidOperationException &lt;- System.IO.IOException": the exception's type and its inner ones', never a message.</summary>
    internal static string Types(Exception exception)
    {
        var text = new StringBuilder();
        for (var e = exception; e is not null; e = e.InnerException)
        {
            text.Append(text.Length == 0 ? string.Empty : " <- ").Append(e.GetType().FullName);
        }

        return text.ToString();
    }

    /// <summary>The line as the providers see it: the redacted message and values, in the order the writer gave them.</summary>
    private sealed class RedactedState(string message, IReadOnlyList<KeyValuePair<string, object?>> values) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public string Message => message;

        public int Count => values.Count;

        public KeyValuePair<string, object?> this[int index] => values[index];

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => values.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => message;
    }
}
