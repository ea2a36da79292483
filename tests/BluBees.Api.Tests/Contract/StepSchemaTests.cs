using System.Text.Json.Nodes;
using BluBees.Api.Infrastructure;
using BluBees.Engine.Execution;
using BluBees.Engine.Rules;
using BluBees.Engine.Steps;
using BluBees.Engine.Validation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Contract;

/// <summary>
/// The OpenAPI document describes a step per kind, generated from the registry (<see cref="StepSchemas"/>): a kind
/// added with nothing but its record and its <see cref="StepKind{TDefinition}"/> appears as one of a step, with its own
/// fields and its <c>type</c> as the discriminator, without an edit to the schema code.
/// </summary>
public sealed class StepSchemaTests
{
    [Test]
    public async Task A_registered_kind_is_one_of_a_step_with_its_own_record()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddBluBeesOpenApi(new StepKindSet([.. StepKinds.All, PingStepKind.Instance]));
        await using var app = builder.Build();
        app.MapPost("/api/rules", (RuleDefinition rule) => TypedResults.NoContent());
        app.MapOpenApi(OpenApiSetup.DocumentPath);
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        var schemas = JsonNode.Parse(await client.GetStringAsync(OpenApiSetup.DocumentPath))!["components"]!["schemas"]!;

        var ping = schemas[nameof(PingStepDefinition)]!;
        Assert.That(ping["properties"]!.AsObject().Select(p => p.Key), Is.SupersetOf(new[] { "id", "type", "target", "if", "onError" }));
        Assert.That(ping["properties"]!["type"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>()), Is.EqualTo(new[] { "test.ping" }));
        Assert.That(ping["required"]!.AsArray().Select(v => v!.GetValue<string>()), Does.Contain("type"));
        var mapping = schemas["StepDefinition"]!["discriminator"]!["mapping"]!.AsObject();
        Assert.That(mapping["test.ping"]!.GetValue<string>(), Is.EqualTo($"#/components/schemas/{nameof(PingStepDefinition)}"));
        Assert.That(mapping.Select(m => m.Key), Is.EquivalentTo(StepKinds.Names.Append("test.ping").Append("if").Append("forEach")));
        Assert.That(schemas["StepDefinition"]!["oneOf"]!.AsArray(), Has.Count.EqualTo(mapping.Count));
        Assert.That(schemas["RuleDefinition"]!["properties"]!["steps"]!["items"]!["$ref"]!.GetValue<string>(), Is.EqualTo("#/components/schemas/StepDefinition"));
        Assert.That(schemas["IfStepDefinition"]!["properties"]!["then"]!["items"]!["$ref"]!.GetValue<string>(), Is.EqualTo("#/components/schemas/StepDefinition"));
    }

    private sealed record PingStepDefinition : StepDefinition
    {
        public PingStepDefinition() => Type = PingStepKind.KindName;

        public string? Target { get; init; }
    }

    private sealed class PingStepKind : StepKind<PingStepDefinition>
    {
        public const string KindName = "test.ping";

        public static readonly PingStepKind Instance = new();

        public override string Name => KindName;

        public override void AddServices(IServiceCollection services, IConfiguration configuration)
        {
        }

        protected override ICompiledStep? Compile(PingStepDefinition step, string path, StepCompileContext context, ValidationErrors errors) => null;
    }
}
