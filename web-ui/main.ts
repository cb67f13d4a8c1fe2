/** Entry point of the bundle: one AgentClient for the page, handed to <camvid-app>. */
import { AgentClient } from './agent-client.js';
import './camvid-app.js';

const app = document.createElement('camvid-app');
app.client = AgentClient.fromLocation();
document.body.append(app);
