using System.Globalization;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// The settings ASP.NET Core reads itself, while it builds the app or starts the server, before any options class of
/// ours is validated: the log levels (<c>Logging:LogLevel:*</c>, <c>Logging:&lt;provider&gt;:LogLevel:*</c>) and the
/// listen addresses (<c>urls</c>, <c>http_ports</c>, <c>https_ports</c>). Checked in <see cref="BluBeesApp.Create"/>
/// before the app is built, and refused the way every other setting is (<see cref="StartRefusal"/>: one line naming the
/// key, exit 2). Before, a level such as <c>Verbose</c> ended the process unhandled while the logger factory was built
/// (exit 134, a stack trace, the key unnamed); a listen address Kestrel cannot parse did too, after the worker had
/// started; and a port that is not a number (<c>ASPNETCORE_HTTP_PORTS=abc</c>) started listening on port 80 of every
/// interface.
/// </summary>
internal static class HostSettings
{
    private static readonly string Levels = string.Join(", ", Enum.GetNames<LogLevel>());

    /// <summary>Throws an <see cref="OptionsValidationException"/> naming every refused setting.</summary>
    public static void ThrowIfInvalid(IConfiguration configuration)
    {
        var failures = LogLevelFailures(configuration.GetSection("Logging")).Concat(ListenFailures(configuration)).ToList();
        if (failures.Count > 0)
        {
            throw new OptionsValidationException("Host", typeof(HostSettings), failures);
        }
    }

    /// <summary>
    /// Where Microsoft.Extensions.Logging reads levels (its LoggerFilterConfigureOptions): <c>Logging:LogLevel:*</c>
    /// and each provider's <c>Logging:&lt;provider&gt;:LogLevel:*</c>. An empty value is ignored there, and here.
    /// </summary>
    private static IEnumerable<string> LogLevelFailures(IConfigurationSection logging)
    {
        var sections = logging.GetChildren()
            .Select(child => child.Key.Equals("LogLevel", StringComparison.OrdinalIgnoreCase) ? child : child.GetSection("LogLevel"));
        foreach (var setting in sections.SelectMany(s => s.GetChildren()))
        {
            if (!string.IsNullOrEmpty(setting.Value) && !IsLevel(setting.Value))
            {
                yield return $"{Named(setting.Path)} must be one of {Levels}: {Quote(setting.Value)} is not.";
            }
        }
    }

    private static bool IsLevel(string value)
        => Enum.TryParse<LogLevel>(value, ignoreCase: true, out var level) && Enum.IsDefined(level) && !value.Contains(',', StringComparison.Ordinal);

    /// <summary>
    /// The addresses Kestrel binds: <c>urls</c> (<c>--urls</c>, <c>ASPNETCORE_URLS</c>), split on ';' as the host
    /// splits them, each parsed as Kestrel parses it; else <c>http_ports</c> and <c>https_ports</c>, lists of ports.
    /// </summary>
    private static IEnumerable<string> ListenFailures(IConfiguration configuration)
    {
        foreach (var url in (configuration["urls"] ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!IsListenAddress(url))
            {
                yield return $"urls (--urls, env ASPNETCORE_URLS) must list http:// or https:// addresses (scheme, host and a port from 0 to 65535; no path), separated by ';': {Quote(url)} is not one.";
            }
        }

        foreach (var (key, env) in new[] { ("http_ports", "ASPNETCORE_HTTP_PORTS"), ("https_ports", "ASPNETCORE_HTTPS_PORTS") })
        {
            foreach (var port in (configuration[key] ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number > 65535)
                {
                    yield return $"{key} (env {env}) must list ports from 0 to 65535, separated by ';': {Quote(port)} is not one.";
                }
            }
        }
    }

    private static bool IsListenAddress(string url)
    {
        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            return false;
        }

        // Kestrel refuses a path in an address (a path base is set with UsePathBase) and any scheme but these two.
        return (address.Scheme.Equals("http", StringComparison.OrdinalIgnoreCase) || address.Scheme.Equals("https", StringComparison.OrdinalIgnoreCase))
            && string.IsNullOrEmpty(address.PathBase)
            && (address.IsUnixPipe || address.IsNamedPipe || address.Port is >= 0 and <= 65535);
    }

    /// <summary>The key as set, and as an environment variable.</summary>
    private static string Named(string path) => $"{path} (env {path.Replace(":", "__", StringComparison.Ordinal)})";

    /// <summary>The operator's own value, short and printable.</summary>
    private static string Quote(string value)
    {
        var printable = new string(value.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return "'" + (printable.Length > 60 ? printable[..60] + "…" : printable) + "'";
    }
}
