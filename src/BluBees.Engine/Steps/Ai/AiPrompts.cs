using System.Text.Json.Nodes;
using BluBees.Engine.Steps;
using BluBees.Engine.Templates;

namespace BluBees.Engine.Steps.Ai;

/// <summary>The rendered prompts of one execution: in memory only, never logged, stored or put in an error.</summary>
internal sealed record AiPrompts(string? System, string Prompt)
{
    /// <summary>Renders both templates; the failure message names the template and the template error, never data.</summary>
    public static (AiPrompts? Prompts, string? Failure) Render(CompiledAiStep step, JsonObject scope, TemplateLimits limits)
    {
        string? system = null;
        if (step.System is not null)
        {
            var rendered = step.System.Render(scope, limits);
            if (!rendered.Success)
            {
                return (null, "system: " + TemplateCompilation.Describe(rendered.Error!));
            }

            system = rendered.Output;
        }

        var prompt = step.Prompt.Render(scope, limits);
        if (!prompt.Success)
        {
            return (null, "prompt: " + TemplateCompilation.Describe(prompt.Error!));
        }

        return (system?.Length ?? 0) + prompt.Output!.Length > AiStepLimits.MaxPromptChars
            ? (null, $"the rendered prompts exceed {AiStepLimits.MaxPromptChars} characters")
            : (new AiPrompts(string.IsNullOrWhiteSpace(system) ? null : system, prompt.Output!), null);
    }
}
