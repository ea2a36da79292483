using BluBees.Api;

BluBeesApp.Create(args).Run();
