using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Egress;

/// <summary>
/// Operator settings for every call to a tenant-configured URL (configuration section <c>Egress</c>).
/// The defaults are the safe ones: https only, port 443, public addresses only.
/// </summary>
public sealed class EgressOptions : IValidatableObject
{
    public const string SectionName = "Egress";

    /// <summary>Allow plain http (and port 80 in the default port list). Default false.</summary>
    public bool AllowHttp { get; set; }

    /// <summary>
    /// Allow loopback, private (RFC 1918, ULA), link-local, CGNAT and benchmarking addresses. An operator
    /// setting for on-prem targets and for tests against loopback servers. Cloud metadata, unspecified,
    /// multicast, broadcast, reserved and documentation addresses stay blocked. Beware: on a host such as
    /// Lambda, loopback reaches the runtime API; prefer the narrower <see cref="AllowedNetworks"/>.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>
    /// CIDR ranges (e.g. <c>10.20.0.0/16</c>) allowed whatever their classification, except cloud metadata endpoints
    /// (169.254.169.254, 169.254.170.2, 100.100.100.200, fd00:ec2::254), which stay blocked even inside an allowed
    /// range; a range that is only a metadata address is refused at start.
    /// </summary>
    public string[]? AllowedNetworks { get; set; }

    /// <summary>Allowed destination ports. Null: 443, plus 80 when <see cref="AllowHttp"/>.</summary>
    public int[]? AllowedPorts { get; set; }

    /// <summary>Allow every port (tests use random high ports on loopback). Default false.</summary>
    public bool AllowAnyPort { get; set; }

    public int MaxRedirects { get; set; } = 5;

    /// <summary>Cap on a response body, counted after decompression.</summary>
    public long MaxResponseBytes { get; set; } = 1024 * 1024;

    /// <summary>Covers name resolution, TCP connect and the TLS handshake.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Total time for one call, redirects and body included, unless the request sets its own.</summary>
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Longest wait for a hop's response headers once its request (body included) has been sent: the time to first
    /// byte. Distinct from, and normally much shorter than, the attempt timeout, so a host that accepts connections and
    /// then hangs holds a worker for this long, not for the whole attempt. Default 10 s.
    /// </summary>
    public TimeSpan ResponseHeadersTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest wait for the next bytes of a response body.</summary>
    public TimeSpan ReadIdleTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Once <see cref="MinRateGracePeriod"/> has passed since the body started, a body arriving slower than
    /// this average is cut (slow drip). 0 disables the check. Default 1024 (1 KiB/s): a 100 B/s drip is cut once the
    /// grace period is over, a body that arrives within the grace period is never measured.
    /// </summary>
    public double MinResponseBytesPerSecond { get; set; } = 1024;

    public TimeSpan MinRateGracePeriod { get; set; } = TimeSpan.FromSeconds(10);

    internal bool IsPortAllowed(int port) =>
        AllowAnyPort || (AllowedPorts is { } ports ? ports.Contains(port) : port == 443 || (AllowHttp && port == 80));

    internal bool IsSchemeAllowed(string scheme) =>
        scheme == Uri.UriSchemeHttps || (AllowHttp && scheme == Uri.UriSchemeHttp);

    /// <summary>The same rules for the options validator: every problem, each naming its key.</summary>
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
        => Validate().Select(error => new ValidationResult(error));

    /// <summary>Returns every problem with these settings; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxRedirects is < 0 or > 20)
        {
            errors.Add("Egress:MaxRedirects must be between 0 and 20.");
        }

        if (MaxResponseBytes is <= 0 or > int.MaxValue)
        {
            errors.Add("Egress:MaxResponseBytes must be between 1 and 2147483647.");
        }

        RequirePositive(errors, ConnectTimeout, nameof(ConnectTimeout));
        RequirePositive(errors, DefaultTimeout, nameof(DefaultTimeout));
        RequirePositive(errors, ReadIdleTimeout, nameof(ReadIdleTimeout));
        RequirePositive(errors, ResponseHeadersTimeout, nameof(ResponseHeadersTimeout));
        RequireAtMostOneDay(errors, ConnectTimeout, nameof(ConnectTimeout));
        RequireAtMostOneDay(errors, DefaultTimeout, nameof(DefaultTimeout));
        RequireAtMostOneDay(errors, ReadIdleTimeout, nameof(ReadIdleTimeout));
        if (ResponseHeadersTimeout > TimeSpan.FromMinutes(10))
        {
            errors.Add("Egress:ResponseHeadersTimeout must be at most 10 minutes.");
        }
        if (MinRateGracePeriod < TimeSpan.Zero)
        {
            errors.Add("Egress:MinRateGracePeriod must not be negative.");
        }

        if (!double.IsFinite(MinResponseBytesPerSecond) || MinResponseBytesPerSecond < 0)
        {
            errors.Add("Egress:MinResponseBytesPerSecond must be a finite number >= 0.");
        }

        foreach (var port in AllowedPorts ?? [])
        {
            if (port is < 1 or > 65535)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"Egress:AllowedPorts contains {port}, not a TCP port."));
            }
        }

        foreach (var network in AllowedNetworks ?? [])
        {
            if (!IPNetwork.TryParse(network, out var range))
            {
                errors.Add($"Egress:AllowedNetworks contains '{network}', not a CIDR range.");
            }
            else if (range.PrefixLength == range.BaseAddress.GetAddressBytes().Length * 8
                && AddressClassifier.Classify(range.BaseAddress, out _) == AddressKind.Metadata)
            {
                errors.Add($"Egress:AllowedNetworks contains '{network}', a cloud metadata address: metadata endpoints stay blocked whatever this list says.");
            }
        }

        return errors;
    }

    private static void RequirePositive(List<string> errors, TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero || value == Timeout.InfiniteTimeSpan)
        {
            errors.Add($"Egress:{name} must be a positive, finite duration.");
        }
    }

    /// <summary>
    /// The runtime refuses longer ones only at the first outbound call (a connect timeout over int.MaxValue ms, a
    /// deadline over about 49.7 days), so each is bounded at start, like <see cref="ResponseHeadersTimeout"/>.
    /// </summary>
    private static void RequireAtMostOneDay(List<string> errors, TimeSpan value, string name)
    {
        if (value > TimeSpan.FromDays(1))
        {
            errors.Add($"Egress:{name} must be at most 1 day.");
        }
    }
}

/// <summary>Source-generated validation of <see cref="EgressOptions"/> (its <see cref="EgressOptions.Validate()"/> rules), run at start.</summary>
[OptionsValidator]
internal sealed partial class EgressOptionsValidator : IValidateOptions<EgressOptions>;
