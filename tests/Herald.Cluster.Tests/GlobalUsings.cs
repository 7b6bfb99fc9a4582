// Test helpers every test of this project may use.
global using Herald.TestSupport.Redis;
