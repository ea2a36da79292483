using DataRange = System.ComponentModel.DataAnnotations.RangeAttribute;
using System.Globalization;
using System.Reflection;
using BluBees.Api.Infrastructure;
using BluBees.Api.Tests.Cli;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Tests.Configuration;

/// <summary>
/// README, "Configuration": "a bad value stops the process with a message naming the key". For every bound setting
/// with a range, a value below it stops the start, and the message the backend prints (<see cref="StartRefusal.MessageOf"/>)
/// names the key as it is set (<c>Runs:LeaseSeconds</c>). Before, a range without its own message said "The field
/// RunOptions.LeaseSeconds must be between 5 and 3600": the options class, not the setting.
/// </summary>
public sealed class StartRefusalSettingNameTests
{
    [Test]
    public void A_value_out_of_its_range_stops_the_start_naming_its_key()
    {
        var ranged = ReadmeConfigurationTableTests.BoundSettings()
            .Where(setting => setting.Value.GetCustomAttribute<DataRange>() is not null)
            .OrderBy(setting => setting.Key, StringComparer.Ordinal)
            .ToList();
        Assert.That(ranged, Has.Count.GreaterThan(40), "the ranged settings were found");

        var unnamed = new List<string>();
        foreach (var (env, property) in ranged)
        {
            var key = env.Replace("__", ":", StringComparison.Ordinal);
            var message = RefusalOf(key, BelowRange(property));
            if (message is null || !message.Contains(key, StringComparison.Ordinal))
            {
                unnamed.Add($"{key}: {message ?? "(started)"}");
            }
        }

        Assert.That(unnamed, Is.Empty);
    }

    /// <summary>
    /// docs/operations.md: a start refused for configuration is one line on stderr, <c>error: the backend did not start:
    /// …</c>, exit code 2. Two settings of two options classes refused at once reach the host as one AggregateException,
    /// which ended the process unhandled (exit 134, a stack trace).
    /// </summary>
    [Test]
    public void Two_refused_settings_are_one_refusal_naming_both()
    {
        var error = new StringWriter();
        var code = StartRefusal.Run(() => BluBeesApp.Create([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Forge:AppId"] = TestIssuer.AppId,
                ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "blubees-range-" + Guid.NewGuid().ToString("N")),
                ["Forge:ClockSkewSeconds"] = "31",
                ["Jira:TimeoutSeconds"] = "21",
            });
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
        }), error);

        var written = error.ToString().TrimEnd();
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(StartRefusal.ExitCode));
            Assert.That(written, Does.StartWith("error: the backend did not start: ").And.Contain("Forge:ClockSkewSeconds").And.Contain("Jira:TimeoutSeconds"));
            Assert.That(written, Does.Not.Contain('\n'), "one line");
        });
    }

    /// <summary>
    /// The operator commands read the same settings from the environment (docs/operations.md: they stop with exit code
    /// 2 naming what to fix); a range refused there names the key too, not "StorageOptions.DynamoDbTimeoutMilliseconds".
    /// </summary>
    [TestCase("Storage__DynamoDbTimeoutMilliseconds", "99", "Storage:DynamoDbTimeoutMilliseconds (env Storage__DynamoDbTimeoutMilliseconds)")]
    [TestCase("Keys__DataKeyCacheSize", "0", "Keys:DataKeyCacheSize (env Keys__DataKeyCacheSize)")]
    public async Task An_operator_command_names_the_key_of_a_setting_out_of_its_range(string env, string value, string named)
    {
        var directory = Directory.CreateTempSubdirectory("blubees-range-cli-").FullName;
        try
        {
            var (code, _, stderr) = await CliProcess.RunAsync(new Dictionary<string, string> { [env] = value }, null, "keys", "rotate", "--data-dir", directory);
            Assert.Multiple(() =>
            {
                Assert.That(code, Is.EqualTo(2), stderr);
                Assert.That(stderr, Does.Contain("error: invalid configuration: ").And.Contain(named));
            });
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string BelowRange(PropertyInfo property)
    {
        var range = property.GetCustomAttribute<DataRange>()!;
        return range.Minimum switch
        {
            int i => (i - 1L).ToString(CultureInfo.InvariantCulture),
            long l => (l - 1).ToString(CultureInfo.InvariantCulture),
            double d => (d - 1).ToString(CultureInfo.InvariantCulture),
            string s when range.OperandType == typeof(TimeSpan) => (TimeSpan.Parse(s, CultureInfo.InvariantCulture) - TimeSpan.FromSeconds(1)).ToString("c", CultureInfo.InvariantCulture),
            var other => throw new InvalidOperationException($"{property.DeclaringType!.Name}.{property.Name}: range minimum {other} not handled"),
        };
    }

    /// <summary>The message the backend prints when it refuses to start with this one setting, or null when it starts.</summary>
    private static string? RefusalOf(string key, string value)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Forge:AppId"] = TestIssuer.AppId,
            ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "blubees-range-" + Guid.NewGuid().ToString("N")),
            [key] = value,
        };
        try
        {
            var app = BluBeesApp.Create([], builder =>
            {
                builder.Configuration.AddInMemoryCollection(settings);
                builder.WebHost.UseUrls("http://127.0.0.1:0");
                builder.Logging.ClearProviders();
            });
            try
            {
                app.Services.GetRequiredService<IStartupValidator>().Validate();
                return null;
            }
            finally
            {
                ((IDisposable)app).Dispose();
            }
        }
        catch (Exception ex)
        {
            return StartRefusal.MessageOf(ex) ?? $"not a refusal: {ex.GetType().Name}";
        }
    }
}
