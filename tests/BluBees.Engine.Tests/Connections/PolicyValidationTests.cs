using BluBees.Engine.Connections;
using BluBees.Engine.Egress;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Connections;

/// <summary>OAuth 2.0 fields and resilience bounds: every bad value is a field-named error, never an exception.</summary>
public sealed class PolicyValidationTests
{
    private static ConnectionAuth OAuth(string type = AuthTypes.OAuth2ClientCredentials) => new()
    {
        Type = type, TokenUrl = "https://login.example.com/oauth/token", ClientId = "client-1", Scope = "read:jira-work offline_access",
    };

    private static ConnectionInput Input(ConnectionAuth auth, string? secret = "s3cret", string? clientSecret = null, ConnectionResilience? resilience = null)
        => new() { Name = "API", BaseUrl = "https://api.example.com/v1", Auth = auth, Secret = secret, ClientSecret = clientSecret, Resilience = resilience };

    private static IDictionary<string, string[]> Errors(ConnectionInput input, bool hasStoredSecret = false)
        => ConnectionValidator.Validate(input, hasStoredSecret, new EgressOptions()).ToDictionary();

    [Test]
    public void Both_oauth_grants_are_accepted()
    {
        Assert.That(Errors(Input(OAuth())), Is.Empty);
        Assert.That(Errors(Input(OAuth(AuthTypes.OAuth2RefreshToken), clientSecret: "cs")), Is.Empty);
        Assert.That(Errors(Input(OAuth(AuthTypes.OAuth2RefreshToken) with { ClientAuth = "basic" })), Is.Empty);
    }

    [Test]
    public void The_token_url_client_id_and_secret_are_required()
    {
        var errors = Errors(Input(new ConnectionAuth { Type = AuthTypes.OAuth2ClientCredentials }, secret: null));

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "auth.tokenUrl", "auth.clientId", "secret" }));
        Assert.That(errors["auth.tokenUrl"], Is.EqualTo(new[] { "is required for OAuth 2.0" }));
    }

    [TestCase("http://login.example.com/token", "Scheme 'http' is not allowed; use https.")]
    [TestCase("https://169.254.169.254/token", "Destination '169.254.169.254' is not allowed: it is not a public address.")]
    [TestCase("https://login.example.com/token#x", "must not have a fragment")]
    public void The_token_url_passes_the_egress_rules(string url, string message)
    {
        Assert.That(Errors(Input(OAuth() with { TokenUrl = url })), Is.EqualTo(new Dictionary<string, string[]> { ["auth.tokenUrl"] = [message] }));
    }

    [TestCase("read \"all\"")]
    [TestCase("read\\write")]
    [TestCase("read\nwrite")]
    public void A_scope_is_printable_scope_tokens(string scope)
    {
        Assert.That(Errors(Input(OAuth() with { Scope = scope })).Keys, Is.EqualTo(new[] { "auth.scope" }));
    }

    [Test]
    public void Client_auth_is_body_or_basic()
    {
        Assert.That(Errors(Input(OAuth() with { ClientAuth = "jwt" })), Is.EqualTo(new Dictionary<string, string[]> { ["auth.clientAuth"] = ["must be 'body' or 'basic'"] }));
    }

    [Test]
    public void A_client_secret_belongs_only_to_the_refresh_token_grant()
    {
        Assert.That(Errors(Input(OAuth(), clientSecret: "cs")).Keys, Is.EqualTo(new[] { "clientSecret" }));
        Assert.That(Errors(Input(new ConnectionAuth { Type = AuthTypes.Bearer }, clientSecret: "cs")).Keys, Is.EqualTo(new[] { "clientSecret" }));
    }

    [Test]
    public void OAuth_fields_on_another_auth_type_are_refused()
    {
        Assert.That(Errors(Input(new ConnectionAuth { Type = AuthTypes.Bearer, TokenUrl = "https://login.example.com/token" })).Keys, Is.EqualTo(new[] { "auth.tokenUrl" }));
    }

    [Test]
    public void Resilience_settings_inside_their_bounds_are_accepted()
    {
        var settings = new ConnectionResilience
        {
            TimeoutSeconds = 300, AttemptTimeoutSeconds = 60, MaxRetries = 5, RetryDelayMs = 0, MaxRetryAfterSeconds = 300,
            BreakerFailureRatio = 1.0, BreakerMinimumThroughput = 2, BreakerSamplingSeconds = 1, BreakerBreakSeconds = 600,
            MaxConcurrency = 1, RequestsPerSecond = 10_000, QueueLimit = 0,
        };

        Assert.That(Errors(Input(OAuth(), resilience: settings)), Is.Empty);
    }

    [Test]
    public void Each_resilience_setting_out_of_bounds_names_its_field()
    {
        var settings = new ConnectionResilience
        {
            TimeoutSeconds = 0, AttemptTimeoutSeconds = 61, MaxRetries = 6, RetryDelayMs = -1, MaxRetryAfterSeconds = 301,
            BreakerFailureRatio = 0.05, BreakerMinimumThroughput = 1, BreakerSamplingSeconds = 0, BreakerBreakSeconds = 601,
            MaxConcurrency = 0, RequestsPerSecond = 10_001, QueueLimit = -1,
        };

        var errors = Errors(Input(new ConnectionAuth { Type = AuthTypes.Bearer }, resilience: settings));

        Assert.That(errors.Keys, Is.EquivalentTo(new[]
        {
            "resilience.timeoutSeconds", "resilience.attemptTimeoutSeconds", "resilience.maxRetries", "resilience.retryDelayMs",
            "resilience.maxRetryAfterSeconds", "resilience.breakerFailureRatio", "resilience.breakerMinimumThroughput",
            "resilience.breakerSamplingSeconds", "resilience.breakerBreakSeconds", "resilience.maxConcurrency",
            "resilience.requestsPerSecond", "resilience.queueLimit",
        }));
        Assert.That(errors["resilience.maxRetries"], Is.EqualTo(new[] { "must be from 0 to 5" }));
    }

    [Test]
    public void The_attempt_timeout_may_not_exceed_the_total()
    {
        var errors = Errors(Input(new ConnectionAuth { Type = AuthTypes.Bearer }, resilience: new ConnectionResilience { TimeoutSeconds = 10, AttemptTimeoutSeconds = 20 }));

        Assert.That(errors, Is.EqualTo(new Dictionary<string, string[]> { ["resilience.attemptTimeoutSeconds"] = ["must not exceed timeoutSeconds"] }));
    }

    [Test]
    public void Defaults_resolve_to_sensible_values()
    {
        var policy = new ConnectionResilience().Resolve();

        Assert.That(policy.MaxRetries, Is.EqualTo(2));
        Assert.That(policy.Timeout, Is.EqualTo(TimeSpan.FromSeconds(60)));
        Assert.That(policy.AttemptTimeout, Is.EqualTo(TimeSpan.FromSeconds(30)));
        Assert.That(policy.MaxConcurrency, Is.EqualTo(2), "a hanging host holds at most two workers");
        Assert.That(policy.BreakerMinimumThroughput, Is.EqualTo(3), "a hanging host's few calls can open the breaker");
        Assert.That(policy.BulkheadWait, Is.EqualTo(TimeSpan.FromSeconds(1)));
        Assert.That(policy.RequestsPerSecond, Is.EqualTo(50));
    }
}
