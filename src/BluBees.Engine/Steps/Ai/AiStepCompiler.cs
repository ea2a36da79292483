using BluBees.Engine.Connections;
using BluBees.Engine.Steps;
using BluBees.Engine.Templates;
using BluBees.Engine.Validation;

namespace BluBees.Engine.Steps.Ai;

/// <summary>Validates and compiles one <c>ai.chat</c> step; every problem is named by its field.</summary>
internal static class AiStepCompiler
{
    public static CompiledAiStep? Compile(AiChatStepDefinition step, string path, StepCompileContext context, ValidationErrors errors)
    {
        var before = errors.Count;
        CheckConnection(step, path, context.Connections, errors);

        var model = step.Model?.Trim();
        if (string.IsNullOrEmpty(model))
        {
            errors.Add(path + ".model", "is required: the provider's model id, e.g. gpt-4o-mini or claude-sonnet-4-5");
        }
        else if (model.Length > AiStepLimits.MaxModelLength || model.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            errors.Add(path + ".model", $"must be a model id of at most {AiStepLimits.MaxModelLength} characters, without spaces");
        }

        var system = step.System is null ? null : TemplateCompilation.Compile(step.System, path + ".system", context.Limits, errors);
        Template? prompt = null;
        if (string.IsNullOrWhiteSpace(step.Prompt))
        {
            errors.Add(path + ".prompt", "is required: the user prompt template");
        }
        else
        {
            prompt = TemplateCompilation.Compile(step.Prompt, path + ".prompt", context.Limits, errors);
        }

        if (step.Temperature is { } temperature && (double.IsNaN(temperature) || temperature is < 0 or > AiStepLimits.MaxTemperature))
        {
            errors.Add(path + ".temperature", $"must be from 0 to {AiStepLimits.MaxTemperature:0.0}");
        }

        var maxTokens = step.MaxTokens ?? AiStepLimits.DefaultMaxTokens;
        if (maxTokens is < 1 or > AiStepLimits.MaxMaxTokens)
        {
            errors.Add(path + ".maxTokens", $"must be from 1 to {AiStepLimits.MaxMaxTokens}");
        }

        var schema = step.Schema is null ? null : OutputSchema.Compile(step.Schema, path + ".schema", errors);

        var timeout = step.TimeoutSeconds ?? AiStepLimits.DefaultTimeoutSeconds;
        if (timeout is < 1 or > RuleLimits.MaxTimeoutSeconds)
        {
            errors.Add(path + ".timeoutSeconds", $"must be from 1 to {RuleLimits.MaxTimeoutSeconds}");
        }

        if (step.OnError is not (null or "stop" or "continue"))
        {
            errors.Add(path + ".onError", "must be 'stop' or 'continue'");
        }

        return errors.Count > before
            ? null
            : new CompiledAiStep(
                step.Id!, step.Connection!, model!, system, prompt!, step.Temperature is { } t ? (float)t : null, maxTokens, schema,
                TimeSpan.FromSeconds(timeout), step.OnError == "continue");
    }

    private static void CheckConnection(AiChatStepDefinition step, string path, IReadOnlyDictionary<string, Connection>? connections, ValidationErrors errors)
    {
        if (string.IsNullOrEmpty(step.Connection))
        {
            errors.Add(path + ".connection", "is required: an AI provider connection (provider openai or anthropic)");
        }
        else if (connections is not null)
        {
            if (!connections.TryGetValue(step.Connection, out var connection))
            {
                errors.Add(path + ".connection", $"connection '{step.Connection}' does not exist");
            }
            else if (connection.Provider is null || !AiProviders.All.Contains(connection.Provider))
            {
                errors.Add(path + ".connection", $"connection '{step.Connection}' is not an AI provider connection: set its provider to {string.Join(" or ", AiProviders.All)}");
            }
            else if (connection.Provider == AiProviders.Anthropic && step.Temperature is not null)
            {
                // The Messages API (anthropic-version 2026-10-21, SDK 13.x) has no sampling parameters.
                errors.Add(path + ".temperature", "is not supported by the anthropic provider's messages API: leave it out");
            }
        }
    }
}
