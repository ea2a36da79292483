using Microsoft.Extensions.Options;

namespace BluBees.Engine.Egress;

internal sealed class EgressOptionsValidator : IValidateOptions<EgressOptions>
{
    public ValidateOptionsResult Validate(string? name, EgressOptions options)
    {
        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
