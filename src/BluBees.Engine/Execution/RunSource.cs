namespace BluBees.Engine.Execution;

/// <summary>What starts a run.</summary>
public enum RunSource { Event, Schedule, Webhook, Manual }
