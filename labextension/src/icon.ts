import { LabIcon } from '@jupyterlab/ui-components';

/** A small molecule: the sidebar's tab and the commands' icon. */
const svgstr = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M7.4 8.2 11 6l.8 1.4-3.6 2.1zM12.2 7.4l.8-1.4 3.6 2.2-.8 1.4zM6.8 15.2l3.6 2.1-.8 1.4-3.6-2.1zM16.4 14.6l.8 1.4-3.6 2.1-.8-1.4zM5.9 10h1.6v4H5.9zM16.5 10h1.6v4h-1.6z"/>
    <circle cx="12" cy="4.6" r="2.6"/>
    <circle cx="6.7" cy="8.6" r="2.2"/>
    <circle cx="17.3" cy="8.6" r="2.2"/>
    <circle cx="6.7" cy="15.4" r="2.2"/>
    <circle cx="17.3" cy="15.4" r="2.2"/>
    <circle cx="12" cy="19.4" r="2.6"/>
  </g>
</svg>`;

export const molsysIcon = new LabIcon({ name: 'molsys-ai-jupyterlab:icon', svgstr });
