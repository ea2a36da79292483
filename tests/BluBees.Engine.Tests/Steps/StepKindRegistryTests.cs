using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Connections;
using BluBees.Engine.Egress;
using BluBees.Engine.Execution;
using BluBees.Engine.Hosting;
using BluBees.Engine.Json;
using BluBees.Engine.Rules;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Storage;
using BluBees.Engine.Templates;
using BluBees.Engine.Tests.Support;
using BluBees.Engine.Validation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Steps;

/// <summary>
/// <see cref="StepKinds"/> is the one list of step kinds: each kind owns its definition fields (any other is refused
/// when a rule is saved) and registers its own executor, and the compiler, the composition of executors, the run's and
/// the dry run's executor dispatch all go through it.
/// </summary>
public sealed class StepKindRegistryTests
{
    private static readonly string[] BlockFields = ["then", "else", "items", "limit", "parallelism", "steps"];

    /// <summary>Every field of the wire format (every kind's and flow block's record), by its JSON name, with its property.</summary>
    private static readonly Dictionary<string, PropertyInfo> AllProperties = StepKinds.Default.Definitions.Values
        .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        .Where(p => p.Name != nameof(StepDefinition.ForeignFields))
        .DistinctBy(p => p.Name)
        .ToDictionary(p => JsonDefaults.Options.PropertyNamingPolicy?.ConvertName(p.Name) ?? p.Name);

    private static readonly string[] AllFields = [.. AllProperties.Keys];

    private static IEnumerable<TestCaseData> KindAndField() =>
        from kind in StepKinds.All
        from field in AllFields.Except(StepKinds.CommonFields).Except(BlockFields)
        select new TestCaseData(kind.Name, field).SetName($"{kind.Name}.{field}");

    [Test]
    public void EveryKindIsListedOnceAndOwnsOnlyRealFields()
    {
        Assert.That(StepKinds.All.Select(k => k.Name), Is.Unique);
        Assert.That(StepKinds.Names, Is.EquivalentTo(StepKinds.All.Select(k => k.Name)));
        Assert.That(StepKinds.All.Where(k => k.Name.StartsWith("jira.", StringComparison.Ordinal)).Select(k => k.Name), Is.EquivalentTo(CompiledJiraStep.Kinds));
        foreach (var kind in StepKinds.All)
        {
            Assert.That(kind.Fields, Is.SubsetOf(AllFields).And.No.AnyOf([.. StepKinds.CommonFields, .. BlockFields]), kind.Name);
        }
    }

    [TestCaseSource(nameof(KindAndField))]
    public void OnSaveAKindAcceptsOnlyItsOwnFields(string kindName, string field)
    {
        StepKinds.TryGet(kindName, out var kind);
        var step = new JsonObject { ["id"] = "s", ["type"] = kindName, [field] = SampleValue(field) };

        var foreign = Messages(Compile(step, save: true), "steps[0]." + field);

        if (kind!.Fields.Contains(field))
        {
            Assert.That(foreign, Has.None.Contains("is not used by a step of type"), "its own field is not refused as foreign");
        }
        else
        {
            Assert.That(foreign, Is.Not.Empty, $"'{field}' is not a field of {kindName} and must be refused");
        }
    }

    [Test]
    public void AtRunTimeAStoredRuleWithAForeignFieldStillCompiles()
    {
        // Stored rules were saved before the registry refused foreign fields; a run must not start failing them.
        var step = new JsonObject { ["id"] = "s", ["type"] = "http", ["url"] = "https://api.example.com/x", ["model"] = "gpt" };

        Assert.That(Compile(step, save: false).IsEmpty, Is.True);
        Assert.That(Messages(Compile(step, save: true), "steps[0].model"), Is.EqualTo(new[] { "is not used by a step of type 'http'" }));
    }

    [Test]
    public void TheComposedEngineHasOneExecutorForEveryKindAndNoOther()
    {
        using var dir = new TempDirectory();
        var (services, config) = Engine(dir);
        services.AddBluBeesEngine(config); // a second call registers nothing twice
        using var provider = services.BuildServiceProvider();

        var executors = StepKinds.Executors(provider.GetServices<IStepExecutor>());

        Assert.That(executors.Keys, Is.EquivalentTo(StepKinds.Names));
        Assert.That(provider.GetServices<IStepExecutor>().Count(), Is.EqualTo(StepKinds.All.Count));
    }

    private static IEnumerable<TestCaseData> Kinds() => StepKinds.All.Select(k => new TestCaseData(k.Name).SetName($"OwnExecutor.{k.Name}"));

    [TestCaseSource(nameof(Kinds))]
    public void EachKindRegistersExactlyOneExecutorItsOwn(string kindName)
    {
        // The engine with no step kind at all, then this one kind's own registration: its executor comes from it alone.
        using var dir = new TempDirectory();
        var (services, config) = WithoutKinds(dir);
        StepKinds.TryGet(kindName, out var kind);
        var before = services.Count(d => d.ServiceType == typeof(IStepExecutor));

        kind!.AddServices(services, config);
        using var provider = services.BuildServiceProvider();

        Assert.That(before, Is.Zero);
        Assert.That(services.Count(d => d.ServiceType == typeof(IStepExecutor)), Is.EqualTo(1));
        Assert.That(provider.GetServices<IStepExecutor>().Select(e => e.Kind), Is.EqualTo(new[] { kindName }));
    }

    [TestCaseSource(nameof(Kinds))]
    public void AKindLeftOutOfTheRegistryHasNoExecutor(string kindName)
    {
        // Registering the kinds is the loop over the list and nothing else: without the entry, no executor.
        using var dir = new TempDirectory();
        var (services, config) = WithoutKinds(dir);

        services.AddStepKinds(config, StepKinds.All.Where(k => k.Name != kindName));
        using var provider = services.BuildServiceProvider();

        var executors = StepKinds.Executors(provider.GetServices<IStepExecutor>());
        Assert.That(executors.Keys, Is.EquivalentTo(StepKinds.Names.Where(n => n != kindName)));
    }

    private static (ServiceCollection Services, IConfiguration Config) Engine(TempDirectory dir)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:DataDirectory"] = dir.Path }).Build();
        var services = new ServiceCollection();
        services.AddLogging().AddSingleton<IConfiguration>(config);
        services.AddBluBeesStorage(config).AddBluBeesKeys(config).AddBluBeesEngine(config).AddEmbeddedProviders();
        return (services, config);
    }

    /// <summary>
    /// The composed engine minus every service that <see cref="StepKindsServiceCollectionExtensions.AddStepKinds(IServiceCollection, IConfiguration)"/>
    /// adds (executors, the kinds' own services and options, the marker; open generics such as <c>IOptions&lt;&gt;</c> stay),
    /// so that a kind's executor resolves only if its own registration brings what it needs.
    /// </summary>
    private static (ServiceCollection Services, IConfiguration Config) WithoutKinds(TempDirectory dir)
    {
        var (services, config) = Engine(dir);
        var kindTypes = new ServiceCollection().AddStepKinds(config).Select(d => d.ServiceType).Where(t => !t.IsGenericTypeDefinition).ToHashSet();
        foreach (var descriptor in services.Where(d => kindTypes.Contains(d.ServiceType)).ToList())
        {
            services.Remove(descriptor);
        }

        return (services, config);
    }

    [Test]
    public void AnExecutorForAnUnregisteredKindIsRefused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => StepKinds.Executors([new StrayExecutor()]));

        Assert.That(error!.Message, Does.Contain("'stray'"));
    }

    private static ValidationErrors Compile(JsonObject step, bool save)
    {
        var definition = JsonSerializer.Deserialize<StepDefinition>(step.ToJsonString(), JsonDefaults.Options)!;
        var connections = save ? new Dictionary<string, Connection>(StringComparer.Ordinal) : null;
        var errors = new ValidationErrors();
        StepListCompiler.Compile([definition], connections, new EgressOptions(), TemplateLimits.Default, errors);
        return errors;
    }

    private static string[] Messages(ValidationErrors errors, string path)
        => errors.ToDictionary().TryGetValue(path, out var messages) ? messages : [];

    /// <summary>A value of the field's type, so that the definition deserializes and only the field's ownership is tested.</summary>
    private static JsonNode SampleValue(string field)
    {
        var property = AllProperties[field];
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        return type switch
        {
            _ when type == typeof(string) => "x",
            _ when type == typeof(int) || type == typeof(long) || type == typeof(double) => 1,
            _ when type == typeof(IReadOnlyList<string>) => new JsonArray("x"),
            _ when type == typeof(IReadOnlyDictionary<string, string>) => new JsonObject { ["a"] = "b" },
            _ => new JsonObject(),
        };
    }

    private sealed class StrayExecutor : IStepExecutor
    {
        public string Kind => "stray";

        public Task<StepOutcome> ExecuteAsync(StepRun run, ICompiledStep step, CancellationToken ct) => throw new NotSupportedException();

        public Task<StepPreview> PreviewAsync(TenantId tenantId, ICompiledStep step, JsonObject scope, string path, CancellationToken ct) => throw new NotSupportedException();
    }
}
