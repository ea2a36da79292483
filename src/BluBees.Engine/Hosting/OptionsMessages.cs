using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Hosting;

/// <summary>
/// What an operator reads when a setting is refused (the backend's start refusal, the CLI's operator commands). A range
/// or required check of DataAnnotations says "The field ForgeOptions.ClockSkewSeconds must be between 0 and 30": the
/// class, not the setting an operator sets. Each such mention becomes the setting's key and its environment variable
/// (<c>Forge:ClockSkewSeconds (env Forge__ClockSkewSeconds)</c>), from the options class's section name.
/// </summary>
public static partial class OptionsMessages
{
    public static string Describe(OptionsValidationException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var type = error.OptionsType;
        var section = (type.GetField("Section", BindingFlags.Public | BindingFlags.Static) ?? type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static))
            ?.GetRawConstantValue() as string;
        return section is null
            ? error.Message
            : OptionsMember().Replace(error.Message, m => m.Groups["type"].Value == type.Name
                ? $"{section}:{m.Groups["member"].Value} (env {section}__{m.Groups["member"].Value})"
                : m.Value);
    }

    [GeneratedRegex(@"(?<=\bThe field )(?<type>\w+)\.(?<member>\w+)")]
    private static partial Regex OptionsMember();
}
