global using System.Text.Json.Nodes;
global using BluBees.Infra.Tests.Support;
global using NUnit.Framework;
