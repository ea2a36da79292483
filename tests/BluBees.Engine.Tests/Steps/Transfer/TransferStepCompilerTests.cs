using System.ComponentModel.DataAnnotations;
using BluBees.Engine.Rules;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Transfer;
using BluBees.Engine.Templates;
using BluBees.Engine.Egress;
using BluBees.Engine.Tests.Support;
using BluBees.Engine.Validation;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Steps.Transfer;

public sealed class TransferStepCompilerTests
{
    private static IDictionary<string, string[]> Errors(string json)
    {
        var errors = new ValidationErrors();
        var step = StepKit.Transfer(TestJson.Read<StepDefinition>(json), "steps[0]", new StepCompileContext(StepKit.DefaultConnections(), new EgressOptions(), TemplateLimits.Default), errors);
        Assert.That(step, Is.Null, "an invalid step must not compile");
        return errors.ToDictionary();
    }

    [Test]
    public void AValidStepCompilesBothSidesWithDefaults()
    {
        var errors = new ValidationErrors();
        var definition = TestJson.Read<StepDefinition>("""
            { "id": "copy", "type": "transfer", "maxBytes": 5000000,
              "source": { "connection": "conn_api", "path": "/attachments/{{ issue.id }}" },
              "destination": { "url": "https://storage.example.com/files/{{ issue.key }}" } }
            """);

        var step = StepKit.Transfer(definition, "steps[0]", new StepCompileContext(StepKit.DefaultConnections(), new EgressOptions(), TemplateLimits.Default), errors);

        Assert.That(errors.IsEmpty, Is.True, errors.ToString());
        Assert.That(step!.Source!.Method, Is.EqualTo("GET"));
        Assert.That(step.Destination.Method, Is.EqualTo("PUT"));
        Assert.That(step.MaxBytes, Is.EqualTo(5_000_000));
        Assert.That(step.Timeout, Is.EqualTo(TimeSpan.FromSeconds(TransferLimits.DefaultTimeoutSeconds)));
        Assert.That(step.ConnectionIds, Is.EqualTo(new[] { "conn_api" }));
        Assert.That(StepKinds.TryGet("transfer", out _), Is.True, "registered as a step kind");
    }

    [Test]
    public void MissingSidesAndMisplacedFieldsAreNamed()
    {
        var errors = Errors("""{ "id": "copy", "type": "transfer", "url": "https://x.example.com/", "body": { "a": 1 } }""");

        Assert.That(errors["steps[0].source"], Is.EqualTo(new[] { "is required" }));
        Assert.That(errors["steps[0].destination"], Is.EqualTo(new[] { "is required" }));
        Assert.That(errors["steps[0].url"][0], Does.Contain("'source' or 'destination'"));
        Assert.That(errors["steps[0].body"][0], Does.Contain("no body"));
    }

    [Test]
    public void SideErrorsCarryTheSidesPath()
    {
        var errors = Errors("""
            { "id": "copy", "type": "transfer",
              "source": { "connection": "nope", "method": "DELETE" },
              "destination": { "connection": "conn_api", "method": "GET" } }
            """);

        Assert.That(errors["steps[0].source.method"][0], Does.Contain("'DELETE' is not allowed"));
        Assert.That(errors["steps[0].destination.method"][0], Does.Contain("use one of PATCH, POST, PUT"));
    }

    [Test]
    public void TheCredentialScopeRulesOfHttpStepsHoldForEachSide()
    {
        var errors = Errors("""
            { "id": "copy", "type": "transfer",
              "source": { "connection": "missing", "path": "/a" },
              "destination": { "connection": "conn_api", "url": "https://elsewhere.example.com/upload", "headers": { "Content-Length": "5" } } }
            """);

        Assert.That(errors["steps[0].source.connection"][0], Does.Contain("does not exist"));
        Assert.That(errors["steps[0].destination.url"][0], Does.Contain("connection's origin"));
        Assert.That(errors["steps[0].destination.headers.Content-Length"][0], Does.Contain("managed by BluBees"));
    }

    [TestCase("0", "steps[0].maxBytes")]
    [TestCase("68719476737", "steps[0].maxBytes")]
    public void MaxBytesIsBounded(string value, string path)
    {
        var errors = Errors($$"""
            { "id": "copy", "type": "transfer", "maxBytes": {{value}},
              "source": { "url": "https://a.example.com/f" }, "destination": { "url": "https://b.example.com/f" } }
            """);

        Assert.That(errors[path][0], Does.StartWith("must be from 1 to"));
    }

    [TestCase(0)]
    [TestCase(3601)]
    public void TheTimeoutIsBounded(int seconds)
    {
        var errors = Errors($$"""
            { "id": "copy", "type": "transfer", "timeoutSeconds": {{seconds}},
              "source": { "url": "https://a.example.com/f" }, "destination": { "url": "https://b.example.com/f" } }
            """);

        Assert.That(errors["steps[0].timeoutSeconds"][0], Is.EqualTo("must be from 1 to 3600"));
    }

    [Test]
    public void OptionsAreValidatedAndTheCeilingWins()
    {
        static List<ValidationResult> Validate(TransferOptions o)
        {
            var results = new List<ValidationResult>();
            Validator.TryValidateObject(o, new ValidationContext(o), results, validateAllProperties: true);
            return results;
        }

        Assert.That(Validate(new TransferOptions()), Is.Empty);
        Assert.That(Validate(new TransferOptions { MaxBytes = 0 }).Single().MemberNames, Does.Contain("MaxBytes"));
        Assert.That(Validate(new TransferOptions { MaxBytes = 10, DefaultMaxBytes = 20 }).Single().ErrorMessage, Does.Contain("DefaultMaxBytes"));
        var options = new TransferOptions { MaxBytes = 1000, DefaultMaxBytes = 100 };
        Assert.That(options.CapFor(null), Is.EqualTo(100));
        Assert.That(options.CapFor(500), Is.EqualTo(500));
        Assert.That(options.CapFor(5000), Is.EqualTo(1000));
    }
}
