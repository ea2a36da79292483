using BluBees.Engine.Connections;

namespace BluBees.Engine.Steps;

/// <summary>
/// The host a step's run record, logs and egress messages name: the configured one only. A connection's base URL
/// host, or the host of a literal <c>url</c>; a <c>url</c> rendered from a template names <see cref="Templated"/>,
/// never the rendered host, which may carry issue data.
/// </summary>
internal static class StepHosts
{
    public const string Templated = "(templated)";

    public static string? Of(CompiledHttpStep step, Connection? connection)
    {
        ArgumentNullException.ThrowIfNull(step);
        if (connection is not null)
        {
            return Uri.TryCreate(connection.BaseUrl, UriKind.Absolute, out var configured) ? configured.Host : null;
        }

        if (step.Url is null)
        {
            return null;
        }

        return step.Url.IsConstant && Uri.TryCreate(step.Url.Source.Trim(), UriKind.Absolute, out var literal) ? literal.Host : Templated;
    }
}
