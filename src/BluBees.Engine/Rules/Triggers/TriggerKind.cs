namespace BluBees.Engine.Rules.Triggers;

public enum TriggerKind { Event, Schedule, Manual, Webhook }
