import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { startApp } from './lib/state.svelte.js';

startApp();
mount(App, { target: document.getElementById('app')! });
