using BluBees.Engine.Execution;
using BluBees.Engine.Crypto;
using BluBees.Engine.Egress;
using BluBees.Engine.Hosting;
using BluBees.Engine.Retention;
using BluBees.Engine.Runs;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Steps.Transfer;
using BluBees.Engine.Storage;
using BluBees.Engine.Templates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Hosting;

/// <summary>
/// Issue 11: every engine options class is checked by one source-generated <c>[OptionsValidator]</c> at start
/// (attributes plus <see cref="System.ComponentModel.DataAnnotations.IValidatableObject"/> for cross-field rules).
/// </summary>
public sealed class OptionsValidationTests
{
    private static readonly Type[] EngineOptions =
    [
        typeof(StorageOptions), typeof(KeyOptions), typeof(RunOptions), typeof(TemplateBudgetOptions), typeof(RetentionOptions),
        typeof(EgressOptions), typeof(JiraActionOptions), typeof(TransferOptions),
    ];

    private static ServiceProvider Engine(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddBluBeesStorage(configuration).AddBluBeesKeys(configuration).AddBluBeesEngine(configuration).BuildServiceProvider();
    }

    [Test]
    public void Each_options_class_has_exactly_one_validator_and_it_is_source_generated()
    {
        using var services = Engine([]);
        Assert.Multiple(() =>
        {
            foreach (var type in EngineOptions)
            {
                var validators = services.GetServices(typeof(IValidateOptions<>).MakeGenericType(type)).ToList();
                Assert.That(validators, Has.Count.EqualTo(1), type.Name);
                Assert.That(validators.Single()!.GetType().Name, Is.EqualTo(type.Name + "Validator"), type.Name);
                Assert.That(validators.Single()!.GetType().GetMethod("Validate")!.GetCustomAttributes(typeof(System.CodeDom.Compiler.GeneratedCodeAttribute), false), Is.Not.Empty, type.Name + ": generated");
            }
        });
    }

    [Test]
    public void The_defaults_start()
    {
        using var services = Engine([]);
        Assert.That(() => services.GetRequiredService<IStartupValidator>().Validate(), Throws.Nothing);
    }

    [TestCase("Runs:WorkerConcurrency", "0", "WorkerConcurrency")]
    [TestCase("Runs:LeaseSeconds", "4", "LeaseSeconds")]
    [TestCase("Runs:PerTenantConcurrency", "17", "Runs:PerTenantConcurrency must not exceed Runs:WorkerConcurrency.")]
    [TestCase("Runs:MaxRunDataBytes", "65535", "MaxRunDataBytes")]
    [TestCase("Runs:MaxRunDataBytes", "524288", "Runs:MaxRunDataBytes must not be less than Runs:MaxStepResponseBytes.")]
    [TestCase("Retention:BatchSize", "9", "BatchSize")]
    [TestCase("Retention:PurgeInterval", "00:00:01", "PurgeInterval")]
    [TestCase("Retention:RebuildInterval", "00:00:01", "RebuildInterval")]
    [TestCase("Transfer:MaxBytes", "0", "MaxBytes")]
    [TestCase("Transfer:DefaultMaxBytes", "2147483649", "Transfer:DefaultMaxBytes must not exceed Transfer:MaxBytes.")]
    [TestCase("Jira:ActionTimeoutSeconds", "61", "ActionTimeoutSeconds")]
    [TestCase("Jira:MaxAuthAttempts", "7", "MaxAuthAttempts")]
    [TestCase("Storage:DataDirectory", "", "DataDirectory")]
    [TestCase("Keys:DataKeyCacheSize", "0", "KeyOptions.DataKeyCacheSize must be between 1 and 1000000")]
    [TestCase("Keys:LocalKeyFile", "", "Keys:LocalKeyFile is required")]
    [TestCase("Egress:MaxRedirects", "21", "Egress:MaxRedirects")]
    [TestCase("TemplateBudget:MaxRunUnits", "999", "MaxRunUnits")]
    public void A_refused_value_fails_at_start_naming_the_setting(string key, string value, string message)
    {
        using var services = Engine(new() { [key] = value });
        var failure = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());
        Assert.That(failure!.Message, Does.Contain(message));
    }

    [TestCase("", "Storage:TableName is required when Storage:Provider is DynamoDb.")]
    [TestCase("not a url", "Storage:DynamoDbServiceUrl (env Storage__DynamoDbServiceUrl) must be an absolute http(s) URL")]
    public void The_DynamoDB_settings_are_checked_only_when_DynamoDB_is_chosen(string value, string message)
    {
        var key = value.Length == 0 ? "Storage:TableName" : "Storage:DynamoDbServiceUrl";
        using var sqlite = Engine(new() { [key] = value });
        using var dynamo = Engine(new() { [key] = value, ["Storage:Provider"] = "DynamoDb" });

        Assert.That(() => sqlite.GetRequiredService<IOptions<StorageOptions>>().Value, Throws.Nothing);
        var failure = Assert.Throws<OptionsValidationException>(() => _ = dynamo.GetRequiredService<IOptions<StorageOptions>>().Value);
        Assert.That(failure!.Message, Does.Contain(message));
    }

    // On Linux Uri takes "/dynamodb" as the absolute file:///dynamodb: such an override started, and every store or
    // KMS call then failed (503 on each request) instead of the start naming the setting.
    [TestCase("Storage:DynamoDbServiceUrl", "/dynamodb", "Storage:Provider", "DynamoDb", "Storage:DynamoDbServiceUrl (env Storage__DynamoDbServiceUrl) must be an absolute http(s) URL")]
    [TestCase("Storage:DynamoDbServiceUrl", "file:///tmp/dynamodb", "Storage:Provider", "DynamoDb", "Storage:DynamoDbServiceUrl (env Storage__DynamoDbServiceUrl) must be an absolute http(s) URL")]
    [TestCase("Keys:KmsServiceUrl", "/kms", "Keys:Provider", "Kms", "Keys:KmsServiceUrl (env Keys__KmsServiceUrl) must be an absolute http(s) URL")]
    [TestCase("Keys:KmsServiceUrl", "ftp://127.0.0.1/kms", "Keys:Provider", "Kms", "Keys:KmsServiceUrl (env Keys__KmsServiceUrl) must be an absolute http(s) URL")]
    public void An_aws_endpoint_override_that_is_not_http_fails_at_start_naming_the_setting(string key, string value, string providerKey, string provider, string message)
    {
        var settings = new Dictionary<string, string?>
        {
            [providerKey] = provider,
            ["Keys:KmsKeyId"] = "arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-4000-8000-000000000001",
            ["Keys:KeyTableName"] = "blubees-keys",
        };
        using var valid = Engine(new(settings) { [key] = "http://127.0.0.1:4567" });
        Assert.That(() => valid.GetRequiredService<IStartupValidator>().Validate(), Throws.Nothing, "a loopback http override starts");

        using var services = Engine(new(settings) { [key] = value });
        var failure = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());
        Assert.That(failure!.Message, Does.Contain(message));
    }

    // DynamoDB refuses such a name on every request (ValidationException): the start must name the setting instead.
    [TestCase("blubees prod")]
    [TestCase("bb")]
    [TestCase("blubees/data")]
    public void A_table_name_DynamoDB_would_refuse_fails_at_start_naming_the_setting(string name)
    {
        Assert.Multiple(() =>
        {
            foreach (var valid in new[] { "blubees", "blubees-prod_data.v2", "arn:aws:dynamodb:eu-west-1:111122223333:table/blubees-prod-data" })
            {
                using var ok = Engine(new() { ["Storage:Provider"] = "DynamoDb", ["Storage:TableName"] = valid });
                Assert.That(() => ok.GetRequiredService<IStartupValidator>().Validate(), Throws.Nothing, valid);
            }
        });

        using var services = Engine(new() { ["Storage:Provider"] = "DynamoDb", ["Storage:TableName"] = name });
        var failure = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());
        Assert.That(failure!.Message, Does.Contain("Storage:TableName (env Storage__TableName) must be a DynamoDB table name"));
    }

    // With KMS the key shares live in the key table: a start without it, or with a name DynamoDB would refuse, names the setting.
    [TestCase(null, "Keys:KeyTableName (env Keys__KeyTableName) is required when Keys:Provider is Kms")]
    [TestCase("blubees keys", "Keys:KeyTableName (env Keys__KeyTableName) must be a DynamoDB table name")]
    [TestCase("k", "Keys:KeyTableName (env Keys__KeyTableName) must be a DynamoDB table name")]
    public void A_kms_provider_without_a_usable_key_table_fails_at_start_naming_the_setting(string? name, string message)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Keys:Provider"] = "Kms",
            ["Keys:KmsKeyId"] = "arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-4000-8000-000000000001",
        };
        using var ok = Engine(new(settings) { ["Keys:KeyTableName"] = "blubees-prod-keys" });
        Assert.That(() => ok.GetRequiredService<IStartupValidator>().Validate(), Throws.Nothing, "control: a valid key table name starts");

        using var services = Engine(new(settings) { ["Keys:KeyTableName"] = name });
        var failure = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());
        Assert.That(failure!.Message, Does.Contain(message));
    }
}
