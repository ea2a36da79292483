using BluBees.Api;
using BluBees.Api.Infrastructure;

return StartRefusal.Run(() => BluBeesApp.Create(args), Console.Error);
