using System.ComponentModel.DataAnnotations;
using BluBees.Engine.DevTokens;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Auth;

/// <summary>
/// Configuration section <c>ForgeModules</c>: the manifest module key (<c>app.module.key</c> of the Forge Invocation
/// Token) each route accepts. The defaults are the keys in forge-app/manifest.yml (a test compares them); change both
/// together. Keys must differ: one module's token must never open another module's route.
/// </summary>
internal sealed class ForgeModuleOptions : IValidatableObject
{
    public const string Section = "ForgeModules";
    private const string KeyPattern = "^[a-zA-Z0-9_-]{1,23}$";
    private const string KeyMessage = "ForgeModules:{0} must be a manifest module key (letters, digits, _ or -, at most 23 characters).";

    /// <summary><c>POST /forge/events</c>: the product-event trigger's endpoint.</summary>
    [Required, RegularExpression(KeyPattern, ErrorMessage = KeyMessage)]
    public string Events { get; set; } = ForgeModuleKeys.Events;

    /// <summary><c>POST /forge/lifecycle</c>: the installed/upgraded trigger's endpoint.</summary>
    [Required, RegularExpression(KeyPattern, ErrorMessage = KeyMessage)]
    public string Lifecycle { get; set; } = ForgeModuleKeys.Lifecycle;

    /// <summary><c>POST /forge/uninstall</c>: the preUninstall module's endpoint.</summary>
    [Required, RegularExpression(KeyPattern, ErrorMessage = KeyMessage)]
    public string Uninstall { get; set; } = ForgeModuleKeys.Uninstall;

    /// <summary><c>POST /forge/scheduled</c>: the scheduled trigger's endpoint.</summary>
    [Required, RegularExpression(KeyPattern, ErrorMessage = KeyMessage)]
    public string Scheduled { get; set; } = ForgeModuleKeys.Scheduled;

    /// <summary><c>POST /forge/webhook</c>: the web trigger whose forwarder function calls the backend.</summary>
    [Required, RegularExpression(KeyPattern, ErrorMessage = KeyMessage)]
    public string Webhook { get; set; } = ForgeModuleKeys.Webhook;

    /// <summary><c>POST /forge/webhook</c> too: the forwarder function's key (see <see cref="ForgeModuleKeys.WebhookFunction"/>).</summary>
    [Required, RegularExpression(KeyPattern, ErrorMessage = KeyMessage)]
    public string WebhookFunction { get; set; } = ForgeModuleKeys.WebhookFunction;

    /// <summary>
    /// <c>/api/*</c>: the admin page's module key. Forge puts the Custom UI module's key in the token of an invokeRemote
    /// call (not the resolver endpoint's: https://developer.atlassian.com/platform/forge/remote/essentials/).
    /// </summary>
    [Required, RegularExpression(KeyPattern, ErrorMessage = KeyMessage)]
    public string Ui { get; set; } = ForgeModuleKeys.Ui;

    /// <summary><c>/api/*</c> too: the issue panel's module key.</summary>
    [Required, RegularExpression(KeyPattern, ErrorMessage = KeyMessage)]
    public string IssuePanel { get; set; } = ForgeModuleKeys.IssuePanel;

    /// <summary>
    /// <c>/api/*</c> as the admin page: the resolver endpoint's key, for the reading of Atlassian's FIT table in which a
    /// front-end invocation's <c>app.module.key</c> is "the Forge module key for this endpoint" (see
    /// <see cref="ForgeModuleKeys.UiEndpoint"/>). Both UI modules would then carry it, so it opens what the admin page's
    /// key opens; administrators' routes still ask Jira whether the user is an administrator.
    /// </summary>
    [Required, RegularExpression(KeyPattern, ErrorMessage = KeyMessage)]
    public string UiEndpoint { get; set; } = ForgeModuleKeys.UiEndpoint;

    /// <summary>The key the given route accepts.</summary>
    public string KeyFor(ForgeRoute route) => route switch
    {
        ForgeRoute.Events => Events,
        ForgeRoute.Lifecycle => Lifecycle,
        ForgeRoute.Uninstall => Uninstall,
        ForgeRoute.Scheduled => Scheduled,
        ForgeRoute.Webhook => Webhook,
        ForgeRoute.Ui => Ui,
        _ => throw new ArgumentOutOfRangeException(nameof(route)),
    };

    /// <summary>Whether a token minted for <paramref name="moduleKey"/> may call the route: its own key; either UI module's, or their resolver endpoint's, on <c>/api/*</c>; the forwarder function's on <c>/forge/webhook</c>.</summary>
    public bool Accepts(ForgeRoute route, string moduleKey)
        => string.Equals(moduleKey, KeyFor(route), StringComparison.Ordinal)
           || (route == ForgeRoute.Ui && (string.Equals(moduleKey, IssuePanel, StringComparison.Ordinal) || string.Equals(moduleKey, UiEndpoint, StringComparison.Ordinal)))
           || (route == ForgeRoute.Webhook && string.Equals(moduleKey, WebhookFunction, StringComparison.Ordinal));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var keys = new[] { Events, Lifecycle, Uninstall, Scheduled, Webhook, WebhookFunction, Ui, IssuePanel, UiEndpoint };
        if (keys.Distinct(StringComparer.Ordinal).Count() != keys.Length)
        {
            yield return new ValidationResult("ForgeModules: every route needs its own module key; two routes name the same key.");
        }
    }
}

/// <summary>The Forge module a route belongs to; set on each endpoint with <see cref="ForgeModuleExtensions.ForForgeModule{T}"/>.</summary>
internal enum ForgeRoute
{
    Events,
    Lifecycle,
    Uninstall,
    Scheduled,
    Webhook,

    /// <summary>The Custom UI: calls made by a signed-in user through invokeRemote.</summary>
    Ui,
}

/// <summary>Endpoint metadata: which module's tokens the endpoint accepts.</summary>
internal sealed record ForgeModuleMetadata(ForgeRoute Route);

internal static class ForgeModuleExtensions
{
    /// <summary>
    /// Only tokens minted for this route's manifest module may call it (and a user only on the UI route). Every route
    /// but the lifecycle ones deletes again what it wrote when its tenant was uninstalled meanwhile
    /// (<see cref="UninstalledMeanwhileFilter"/>; one stateless instance, as for the permission filter).
    /// </summary>
    public static TBuilder ForForgeModule<TBuilder>(this TBuilder builder, ForgeRoute route)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new ForgeModuleMetadata(route));
        return route is ForgeRoute.Uninstall or ForgeRoute.Lifecycle ? builder : builder.AddEndpointFilter(Meanwhile);
    }

    private static readonly UninstalledMeanwhileFilter Meanwhile = new();
}

/// <summary>Source-generated validation of <see cref="ForgeModuleOptions"/> (attributes and <see cref="ForgeModuleOptions.Validate"/>), run at start.</summary>
[OptionsValidator]
internal sealed partial class ForgeModuleOptionsValidator : IValidateOptions<ForgeModuleOptions>;
