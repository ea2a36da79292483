using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Support;

/// <summary>The person behind a support token has the support role and signed in with MFA recently.</summary>
internal sealed class SupportStaffRequirement : IAuthorizationRequirement;

internal sealed class SupportStaffAuthorizationHandler(IOptions<SupportOptions> options, TimeProvider time) : AuthorizationHandler<SupportStaffRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, SupportStaffRequirement requirement)
    {
        if (SupportIdentity.From(context.User) is { } identity && identity.Denial(options.Value, time.GetUtcNow()) is null)
        {
            context.Succeed(requirement);
        }
        else
        {
            context.Fail(new AuthorizationFailureReason(this, "support role or recent MFA missing"));
        }

        return Task.CompletedTask;
    }
}
