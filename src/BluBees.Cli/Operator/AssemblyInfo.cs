using System.Runtime.CompilerServices;

// The operator commands are tested end to end (export → uninstall → restore, rotation) with the AWS test fixtures.
[assembly: InternalsVisibleTo("BluBees.Aws.Tests")]
[assembly: InternalsVisibleTo("BluBees.Api.Tests")]
