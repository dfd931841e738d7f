import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { AppRoutes } from './app';
import './styles.css';

// react-router 7.18 (engines: node >= 20) in declarative mode: no data APIs are needed.
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <BrowserRouter basename="/admin">
      <AppRoutes />
    </BrowserRouter>
  </StrictMode>,
);
