using Microsoft.AspNetCore.Builder;

namespace BluBees.Cli.Commands;

/// <summary>
/// The builder of the CLI's own loopback servers (the sink, the stand-in Jira). They read no settings file, so they
/// watch none: the default builder would watch the working directory recursively, and there the backend's data
/// directory (<c>.data</c>) feeds the watcher an inotify event for every SQLite write.
/// </summary>
internal static class LoopbackBuilder
{
    public static WebApplicationBuilder Create() => WebApplication.CreateSlimBuilder(new WebApplicationOptions
    {
        Args = ["--hostBuilder:reloadConfigOnChange=false"],
        ContentRootPath = AppContext.BaseDirectory,
    });
}
