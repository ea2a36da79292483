using BluBees.Api.Admin;
using BluBees.Api.Auth;
using BluBees.Api.Dev;
using BluBees.Api.Permissions;
using BluBees.Api.Support;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Sqs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Tests.Configuration;

/// <summary>
/// Issue 11: the host's options classes are validated one way, by source-generated <c>[OptionsValidator]</c>s run at
/// start, and a refused value names its setting.
/// </summary>
public sealed class ApiOptionsValidationTests
{
    private static readonly Type[] HostOptions =
    [
        typeof(ForgeOptions), typeof(ForgeModuleOptions), typeof(DevOptions), typeof(DevAdminOptions), typeof(JiraOptions),
        typeof(SupportOptions), typeof(QueueOptions), typeof(WorkerOptions), typeof(DryRunOptions),
    ];

    private static WebApplication Build(Dictionary<string, string?> settings)
    {
        settings.TryAdd("Forge:AppId", TestIssuer.AppId);
        settings.TryAdd("Storage:DataDirectory", Path.Combine(Path.GetTempPath(), "blubees-options-" + Guid.NewGuid().ToString("N")));
        return BluBeesApp.Create([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
        });
    }

    [Test]
    public async Task Each_options_class_has_exactly_one_validator_and_it_is_source_generated()
    {
        await using var app = Build([]);
        Assert.Multiple(() =>
        {
            foreach (var type in HostOptions)
            {
                var validators = app.Services.GetServices(typeof(IValidateOptions<>).MakeGenericType(type)).ToList();
                Assert.That(validators, Has.Count.EqualTo(1), type.Name);
                Assert.That(validators.Single()!.GetType().GetMethod("Validate")!.GetCustomAttributes(typeof(System.CodeDom.Compiler.GeneratedCodeAttribute), false), Is.Not.Empty, type.Name + ": generated");
            }

            Assert.That(() => app.Services.GetRequiredService<IStartupValidator>().Validate(), Throws.Nothing, "the defaults start");
        });
    }

    [TestCase("Forge:ClockSkewSeconds", "31", "ClockSkewSeconds")]
    [TestCase("Forge:MaxTokenLength", "100", "MaxTokenLength")]
    [TestCase("Forge:AppId", "my-app", "Forge:AppId must look like ari:cloud:ecosystem::app/<uuid>.")]
    [TestCase("Forge:JwksUrl", "", "JwksUrl")]
    [TestCase("Forge:JwksUrl", "forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json", "Forge:JwksUrl (env Forge__JwksUrl) must be an absolute https URL")]
    [TestCase("Forge:JwksUrl", "http://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json", "Forge:JwksUrl must use https (http is accepted for a loopback host only).")]
    [TestCase("DevIssuer:DefaultApiBaseUrl", "api.atlassian.com/ex/jira/x", "DevIssuer:DefaultApiBaseUrl must be an absolute http(s) URL.")]
    [TestCase("DevIssuer:DefaultTenantId", " ", "DevIssuer:DefaultTenantId must not be empty.")]
    [TestCase("DevIssuer:AdminAccountIds:0", " ", "DevIssuer:AdminAccountIds must not contain an empty account id.")]
    [TestCase("Jira:TimeoutSeconds", "21", "TimeoutSeconds")]
    [TestCase("Jira:PermissionCacheSeconds", "601", "PermissionCacheSeconds")]
    // The generator ignores ErrorMessage on [Range] (dotnet/runtime#123137); its own message names the field.
    [TestCase("Support:JwksCacheSeconds", "59", "SupportOptions.JwksCacheSeconds must be between 60 and 86400")]
    [TestCase("Support:MaxTokenLength", "70000", "SupportOptions.MaxTokenLength must be between 512 and 65536")]
    [TestCase("Support:AcceptedAcr", " ", "Support:AcceptedAcr must be the identity provider's acr value without surrounding spaces")]
    [TestCase("Support:AcceptedAcr", "mfa ", "Support:AcceptedAcr must be the identity provider's acr value without surrounding spaces")]
    [TestCase("DryRun:PerTenantConcurrency", "0", "PerTenantConcurrency")]
    [TestCase("Worker:MaxBatchBytes", "1024", "MaxBatchBytes")]
    [TestCase("Queue:MaxMessageBytes", "1023", "MaxMessageBytes")]
    [TestCase("Queue:SendTimeoutMilliseconds", "60001", "SendTimeoutMilliseconds")]
    public void A_refused_value_fails_at_start_naming_the_setting(string key, string value, string message)
    {
        var failure = Assert.Throws<OptionsValidationException>(() =>
        {
            var app = Build(new() { [key] = value });
            try
            {
                app.Services.GetRequiredService<IStartupValidator>().Validate();
            }
            finally
            {
                ((IDisposable)app).Dispose();
            }
        });
        Assert.That(failure!.Message, Does.Contain(message));
    }

    [Test]
    public void A_malformed_OTLP_endpoint_with_telemetry_enabled_fails_at_start_naming_the_setting()
    {
        // Composition reads the endpoint before the validators run: it must not throw its own, unnamed error there.
        var failure = Assert.Throws<OptionsValidationException>(() =>
        {
            var app = Build(new() { ["Telemetry:Enabled"] = "true", ["Telemetry:OtlpEndpoint"] = "localhost 4318" });
            try
            {
                app.Services.GetRequiredService<IStartupValidator>().Validate();
            }
            finally
            {
                ((IDisposable)app).Dispose();
            }
        });
        Assert.That(failure!.Message, Does.Contain("Telemetry:OtlpEndpoint must be an absolute http(s) URL"));
    }

    [Test]
    public void A_data_directory_that_cannot_hold_the_database_fails_at_start_naming_the_setting()
    {
        // A regular file where the directory should be (a mount that is not there, a typo onto a file).
        var notADirectory = Path.Combine(Path.GetTempPath(), "blubees-options-file-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(notADirectory, "x");
        try
        {
            Assert.That(() =>
            {
                var app = Build(new() { ["Storage:DataDirectory"] = notADirectory });
                try
                {
                    app.Services.GetRequiredService<IStartupValidator>().Validate();
                    app.Services.GetRequiredService<BluBees.Engine.Storage.IStore>();
                }
                finally
                {
                    ((IDisposable)app).Dispose();
                }
            }, Throws.InstanceOf<InvalidOperationException>().With.Message.Contains("Storage:DataDirectory (env Storage__DataDirectory)"));
        }
        finally
        {
            File.Delete(notADirectory);
        }
    }

    [TestCase("Storage:Provider", "DynamoDb", "Storage:Provider=DynamoDb")]
    [TestCase("Keys:Provider", "Kms", "Keys:Provider=Kms")]
    public void The_development_issuer_never_starts_beside_an_aws_provider(string key, string value, string named)
    {
        // It mints a token for any tenant to anyone who reaches POST /dev/token: local use only.
        var settings = new Dictionary<string, string?>
        {
            [key] = value,
            ["Storage:TableName"] = "blubees",
            ["Keys:KmsKeyId"] = "arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-4000-8000-000000000001",
            ["Keys:KeyTableName"] = "blubees-keys",
        };
        Assert.That(Validate(new(settings) { ["DevIssuer:Enabled"] = "false" }), Is.Null, "the provider alone starts");
        var failure = Validate(new(settings) { ["DevIssuer:Enabled"] = "true" });
        Assert.That(failure?.Message, Does.Contain("DevIssuer:Enabled must be false with " + named));
    }

    [TestCase("Storage:Provider", "DynamoDb", "Storage:Provider=DynamoDb")]
    [TestCase("Keys:Provider", "Kms", "Keys:Provider=Kms")]
    public void The_anonymous_openapi_document_never_starts_beside_an_aws_provider(string key, string value, string named)
    {
        // GET /openapi/v1.json is anonymous and names every administrator's route, method and field: local use and the tests only.
        var settings = new Dictionary<string, string?>
        {
            [key] = value,
            ["Storage:TableName"] = "blubees",
            ["Keys:KmsKeyId"] = "arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-4000-8000-000000000001",
            ["Keys:KeyTableName"] = "blubees-keys",
        };
        Assert.That(Validate(new(settings) { ["OpenApi:Enabled"] = "false" }), Is.Null, "the provider alone starts");
        Assert.That(Validate(new() { ["OpenApi:Enabled"] = "true" }), Is.Null, "the document with the embedded providers (development, the tests)");
        var failure = Validate(new(settings) { ["OpenApi:Enabled"] = "true" });
        Assert.That(failure?.Message, Does.Contain("OpenApi:Enabled must be false with " + named));
    }

    [TestCase("Storage:Provider", "DynamoDb", "Storage:Provider=DynamoDb")]
    [TestCase("Keys:Provider", "Kms", "Keys:Provider=Kms")]
    public void A_jira_override_off_loopback_never_starts_beside_an_aws_provider(string key, string value, string named)
    {
        // "Tests and local development only. Never set in production": it sends every tenant's Jira calls, with that
        // tenant's system or user token, to one site instead of the one the verified token names.
        var settings = new Dictionary<string, string?>
        {
            [key] = value,
            ["Storage:TableName"] = "blubees",
            ["Keys:KmsKeyId"] = "arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-4000-8000-000000000001",
            ["Keys:KeyTableName"] = "blubees-keys",
        };
        Assert.That(Validate(new(settings) { ["Jira:ApiBaseUrlOverride"] = "http://127.0.0.1:5091" }), Is.Null, "a loopback fake Jira (the tests') starts");
        Assert.That(Validate(new() { ["Jira:ApiBaseUrlOverride"] = "https://example.atlassian.net" }), Is.Null, "any site with the embedded providers");
        var failure = Validate(new(settings) { ["Jira:ApiBaseUrlOverride"] = "https://example.atlassian.net" });
        Assert.That(failure?.Message, Does.Contain("Jira:ApiBaseUrlOverride (env Jira__ApiBaseUrlOverride) must be unset with " + named));
        Assert.That(failure?.Message, Does.Not.Contain("example.atlassian.net"));
    }

    [Test]
    public void The_development_issuer_starts_with_the_embedded_providers()
        => Assert.That(Validate(new() { ["DevIssuer:Enabled"] = "true" }), Is.Null);

    // On Linux Uri.TryCreate takes "/blubees-runs" as file:///blubees-runs; the SQS endpoint was not checked at all,
    // so either started and the failure came only with the first send.
    [TestCase("Queue:QueueUrl", "/blubees-runs", "Queue:QueueUrl (env Queue__QueueUrl) must be an absolute http(s) URL")]
    [TestCase("Queue:QueueUrl", "file:///tmp/blubees-runs", "Queue:QueueUrl (env Queue__QueueUrl) must be an absolute http(s) URL")]
    [TestCase("Queue:SqsServiceUrl", "sqs.eu-west-1.amazonaws.com", "Queue:SqsServiceUrl (env Queue__SqsServiceUrl) must be an absolute http(s) URL")]
    [TestCase("Queue:SqsServiceUrl", "/sqs", "Queue:SqsServiceUrl (env Queue__SqsServiceUrl) must be an absolute http(s) URL")]
    public void An_sqs_url_that_is_not_http_fails_at_start_naming_the_setting(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Queue:Provider"] = "Sqs",
            ["Queue:QueueUrl"] = "https://sqs.eu-west-1.amazonaws.com/111122223333/blubees-runs",
            ["Queue:SqsServiceUrl"] = "http://127.0.0.1:9324",
        };
        Assert.That(Validate(new(settings)), Is.Null, "the valid URLs start");
        Assert.That(Validate(new(settings) { [key] = value })?.Message, Does.Contain(message));
    }

    /// <summary>The start's validation failure, null when it starts (the build itself may read the options).</summary>
    private static OptionsValidationException? Validate(Dictionary<string, string?> settings)
    {
        WebApplication? app = null;
        try
        {
            app = Build(settings);
            app.Services.GetRequiredService<IStartupValidator>().Validate();
            return null;
        }
        catch (OptionsValidationException ex)
        {
            return ex;
        }
        finally
        {
            (app as IDisposable)?.Dispose();
        }
    }
}
